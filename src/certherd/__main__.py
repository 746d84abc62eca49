"""``python -m certherd``: the same as the ``certherd`` command."""

from certherd.entrypoints.cli.main import main

if __name__ == "__main__":
    main()
