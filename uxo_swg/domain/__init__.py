"""Pure domain rules of the UXO Sector Working Group: money, periods, conversion, counting.

Imports only the standard library, so the rules can be read and tested on their own.
"""
