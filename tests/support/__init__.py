"""Plain helpers shared by several test folders (on sys.path via pytest's ``pythonpath``).

Test modules cannot import each other or conftest files (``--import-mode=importlib``), so what
more than one conftest needs lives here.
"""
