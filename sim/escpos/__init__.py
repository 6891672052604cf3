"""The virtual ESC/POS receipt printer: `kassa emulate escpos`."""
