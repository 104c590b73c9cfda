/**
 * INN's own storage methods (storage/methods.c) and the type byte each writes as the first byte of
 * its tokens (storage/<method>/method.config): the one list of their names. It lives in inn/ because
 * storage.conf's parser (here) refuses the names INN would refuse; storage/registry.ts lists the
 * ones newsnotify reads, keyed by these names, and sources/ type what they see with them.
 */
export const INN_STORAGE_METHODS = {
  trash: 0,
  timehash: 2,
  cnfs: 3,
  timecaf: 4,
  tradspool: 5,
} as const;

export type InnStorageMethod = keyof typeof INN_STORAGE_METHODS;

/** Where innd files articles when storage.conf says nothing about a group. */
export const INN_DEFAULT_STORAGE_METHOD: InnStorageMethod = "tradspool";
