"""What the GUI and the CLI both call: the compute process, the weights policy, fine-tuning and saving reviews.

Torch-free and Qt-free at import (import-linter contracts in ``pyproject.toml``): the GUI process imports
this package and never loads torch; the compute child imports it and never loads Qt. Only the child's task
table (``busviewer.services.compute_tasks``, loaded by name in the child) reaches ``busviewer.ml``.
"""
