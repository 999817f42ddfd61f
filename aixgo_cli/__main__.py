"""`python -m aixgo_cli` runs the same CLI as the `aixgo` script."""

from aixgo_cli.cli import entry

if __name__ == "__main__":
    entry()
