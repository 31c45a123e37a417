"""The portal: HTML pages (Jinja2 + htmx) over the same services as the JSON API."""
