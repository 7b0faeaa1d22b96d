/** Recovery of deleted snapshot deltas: free-MAP scan, header probe, reassembly, parent matching and reports. */
package org.vmfskit.recovery;
