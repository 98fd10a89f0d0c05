"""The newsletter: readers subscribe to lists (double opt-in), editors send issues made of published
pieces, and background workers deliver them, once per address per issue.

What is kept about a reader: the address, the lists, and when and how they agreed. Leaving deletes it.
"""
