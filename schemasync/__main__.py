"""`python -m schemasync` runs the command line."""

from schemasync.launcher import main

if __name__ == "__main__":
    main()
