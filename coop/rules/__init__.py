"""Pure rules of the co-op's policies (consent, pay floor, review): plain functions on plain data,
imported by every domain that applies them. They import only the kernel's error vocabulary."""
