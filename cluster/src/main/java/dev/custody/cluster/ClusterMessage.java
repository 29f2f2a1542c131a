package dev.custody.cluster;

/**
 * A message that may cross from one node to another: bound to {@link ClusterMessageSerializer} in
 * this module's reference.conf. Java serialization stays off, as everywhere in Custody.
 */
public interface ClusterMessage {}
