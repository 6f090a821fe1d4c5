"""The stored state: the legacy tables read, and the capture, prune, restore and export that write and read them."""
