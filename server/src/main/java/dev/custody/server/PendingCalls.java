package dev.custody.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.custody.model.DeviceId;
import dev.custody.model.event.DeviceEvent;
import dev.custody.model.event.KernelEvent;
import dev.custody.model.state.KernelState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Blocking calls in progress: an unbind that waits for user space to let go of the device answers
 * PENDING, and a later decision (a close, a connection drop) lets it finish. That decision's answer
 * names the calls it completed, and the connection that made each call gets a {@code COMPLETED} event.
 */
final class PendingCalls {
    /** A call that answered PENDING: who made it, with which request id, for which device. */
    record Call(Client connection, JsonNode id, String op, DeviceId device) {}

    private final Map<DeviceId, Call> waiting = new HashMap<>();

    /**
     * The calls this decision completed; calls it blocked are remembered with {@code caller} (empty
     * for the server's own operations, which never block: a close does not wait).
     */
    synchronized List<Call> update(
            List<KernelEvent> events, KernelState before, Client connection, JsonNode id, String op) {
        List<Call> completed = new ArrayList<>();
        for (KernelEvent event : events) {
            if (event instanceof DeviceEvent.ReleaseBlocked blocked && connection != null) {
                waiting.put(blocked.device(), new Call(connection, id, op, blocked.device()));
            }
            if (event instanceof DeviceEvent.DriverUnbound unbound
                    && before.device(unbound.device()).pending().isPresent()) {
                Call call = waiting.remove(unbound.device());
                if (call != null) {
                    completed.add(call);
                }
            }
        }
        return completed;
    }
}
