"""Plain domain state: scans, masks, edit history, predictions, measurements. No Qt, no torch."""
