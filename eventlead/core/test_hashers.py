from eventlead.core.hashers import Argon2idHasher


class CheapArgon2idHasher(Argon2idHasher):
    """Argon2id at minimal cost, for the test suite only (same algorithm and hash format)."""

    memory_cost = 256
    time_cost = 1
