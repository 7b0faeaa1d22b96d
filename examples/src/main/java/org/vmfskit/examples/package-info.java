/**
 * Examples of vmfskit's Java API: a datastore on jimfs, a 10 GiB one in memory, the nio provider,
 * snapshots, and recovery after a mistaken revert.
 */
package org.vmfskit.examples;
