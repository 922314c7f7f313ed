"""`python -m kg` works the same as `kg`."""
from kg.cli import main

if __name__ == "__main__":  # pragma: no cover
    main()
