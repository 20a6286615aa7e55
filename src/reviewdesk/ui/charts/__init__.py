"""Charts drawn with QPainter whose every element opens the cases behind it (see ``bars``)."""
