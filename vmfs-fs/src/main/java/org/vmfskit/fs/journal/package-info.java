/**
 * The metadata journal: vmfskit's redo log that makes every metadata change atomic. A change is
 * staged in memory ({@link org.vmfskit.fs.journal.JournaledBlockDevice}), written as one
 * checksummed {@link org.vmfskit.fs.journal.JournalRecord} to the unused first 2 MiB of the
 * volume, and only then written in place; opening the volume replays a record whose in-place
 * writes may not all have landed ({@link org.vmfskit.fs.journal.Journal}).
 */
package org.vmfskit.fs.journal;
