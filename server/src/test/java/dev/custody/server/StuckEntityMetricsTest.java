package dev.custody.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.custody.entity.StuckEntity;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * query-metrics and the Prometheus scrape say which entities cannot recover from their journals, as
 * the engine lists them: an operator sees the stuck entity and why, not a stall.
 */
class StuckEntityMetricsTest {
    private static final StuckEntity DEVICE = new StuckEntity(
            "m",
            "m|device|0000:00:03.0",
            "the row with sequence number 4 of persistence id m|device|0000:00:03.0 cannot be read: torn",
            3,
            Instant.parse("2026-01-01T00:00:00Z"));

    @Test
    void queryMetricsListsTheStuckEntitiesWithTheirReasons() {
        ServerMetrics metrics = new ServerMetrics("m", Optional.empty());
        assertEquals(0, metrics.json().get("stuckEntities").size(), "none before the engine is asked");

        metrics.stuckFrom(() -> CompletableFuture.completedFuture(List.of(DEVICE)));
        metrics.awaitStuck(Duration.ofSeconds(5));
        JsonNode stuck = metrics.json().get("stuckEntities");
        assertEquals(1, stuck.size(), stuck.toString());
        assertEquals(DEVICE.persistenceId(), stuck.get(0).get("persistenceId").asText());
        assertTrue(stuck.get(0).get("reason").asText().contains("sequence number 4"), stuck.toString());
        assertEquals(3, stuck.get(0).get("failedRecoveries").asInt());
        assertEquals("2026-01-01T00:00:00Z", stuck.get(0).get("since").asText());
        assertTrue(metrics.scrape().contains("custody_entities_stuck{instance=\"m\"} 1.0"), metrics.scrape());
    }

    @Test
    void anEngineThatDoesNotAnswerLeavesTheLastListStanding() {
        ServerMetrics metrics = new ServerMetrics("m", Optional.empty());
        metrics.stuckFrom(() -> CompletableFuture.completedFuture(List.of(DEVICE)));
        metrics.awaitStuck(Duration.ofSeconds(5));
        metrics.stuckFrom(CompletableFuture::new); // never answers
        metrics.awaitStuck(Duration.ofMillis(50));
        assertEquals(1, metrics.json().get("stuckEntities").size());
    }
}
