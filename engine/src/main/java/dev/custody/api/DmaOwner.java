package dev.custody.api;

import dev.custody.model.OwnerId;

/**
 * An in-kernel caller's exclusive DMA claim: the owner cookie iommu_group_claim_dma_owner and
 * iommu_device_claim_dma_owner take. Only a claim makes one (or, after a restart, the engine's
 * {@link EngineAdmin} gives back the ones its journal holds), and releasing the claim or replacing
 * the claimed group's domain needs it. Its cookie ends in 128 random bits, so no two claims share
 * one, also across restarts, and a released claim's token never matches a later claim.
 */
public final class DmaOwner extends Capability {
    final OwnerId owner;

    DmaOwner(Object issuer, OwnerId owner) {
        super(issuer, owner.label());
        this.owner = owner;
    }

    /**
     * A new owner's cookie: the caller's label, {@code #}, and 128 bits in hex, random, or under a
     * {@link RetryKey} drawn from the key, so that the operation sent again is the same operation.
     */
    static String newCookie(String label, java.util.Optional<RetryKey> retryKey) {
        byte[] secret = new byte[16];
        if (retryKey.isPresent()) {
            byte[] digest = sha256(label + "\n" + retryKey.get().operationId());
            System.arraycopy(digest, 0, secret, 0, secret.length);
        } else {
            RANDOM.nextBytes(secret);
        }
        return label + "#" + java.util.HexFormat.of().formatHex(secret);
    }

    private static byte[] sha256(String text) {
        try {
            return java.security.MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } catch (java.security.NoSuchAlgorithmException absent) {
            throw new IllegalStateException("every Java runtime has SHA-256", absent);
        }
    }

    private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();
}
