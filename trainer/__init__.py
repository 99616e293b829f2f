"""Tools for trainers: staff who know the programmes but not Rasa (issue 5, docs/trainers.md).

Each command checks everything first and only then writes, so a refused entry leaves every file
exactly as it was.
"""
