"""Personal data in free text: found once when the text is written, masked for every audience beyond the team."""
