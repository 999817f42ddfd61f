"""Tools agents call: Python callables and workspace file tools, behind one interface."""
