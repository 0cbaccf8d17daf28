"""Account administration: register, list, disable and rotate accounts and organizations."""
