"""Takes the register and statistics files from Danmarks Statistik and the daycare register,
validates them whole and publishes what changed.
"""
