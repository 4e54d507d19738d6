"""Operations on a package: convert, totext, certify, deprecate, lookup. Each is one API function."""
