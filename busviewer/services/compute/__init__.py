"""The compute process: inference, Grad-CAM and fine-tuning run in a child process that owns torch.

Importing torch holds the GIL in long C calls (libtorch initialisers, operator registration), and so do
some of torch's own steps; in the GUI process that froze the window for 50-400 ms. In a child process it
cannot: the GUI process never imports torch. ``client`` is the parent side (threads block on replies),
``server`` the child's request loop and ``requests`` the typed requests that cross the pipe. The
production task table is ``busviewer.services.compute_tasks``, which the child loads by name.
"""
