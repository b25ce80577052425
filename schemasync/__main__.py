"""`python -m schemasync` runs the command line."""

from schemasync.cli import main

if __name__ == "__main__":
    main()
