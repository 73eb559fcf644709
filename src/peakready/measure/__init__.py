"""Measurements read from a run folder, shared by the checks and the report.

::

    measure/
    └── saturation.py   cpu.jsonl → when a process of ours (or the machine) was saturated
"""
