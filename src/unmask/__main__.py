"""``python -m unmask``: the same as the ``unmask`` command."""

from unmask.cli import main

if __name__ == "__main__":
    main()
