package dev.berth.proxy.api;

/**
 * {@code Berth-Cache: hit|miss|stale} on manifest and blob answers: whether berth served them from
 * its cache, fetched them, or served a stale tag resolution. For operators (curl -I) and the access
 * log; clients ignore it.
 */
final class CacheHeader {
  static final String NAME = "Berth-Cache";

  private CacheHeader() {}
}
