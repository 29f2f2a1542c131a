package dev.custody.bench.serve;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.custody.model.Topology;
import dev.custody.scenario.ScenarioParser;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * The load that {@code bench serve} and {@code crash-test --serve} put on the control socket: a
 * machine of one single-device IOMMU group per VM, and each VM's life on its own group (bind the
 * device to vfio-pci once, then open the group and a container, set the container and TYPE1v2,
 * close both, over and over). Every request succeeds and, but for a repeated bind, changes
 * ownership: nearly every answer follows a journal write.
 */
public final class VmLife {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One request of a life: the operation, its arguments as JSON text, and the name it binds (or null). */
    public record Step(String execute, String arguments, String as) {
        /** The request as the protocol sends it, without id, opid or holder. */
        public ObjectNode request() {
            ObjectNode request = JSON.createObjectNode().put("execute", execute);
            try {
                request.set("arguments", JSON.readTree(arguments));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new UncheckedIOException(e);
            }
            if (as != null) {
                request.put("as", as);
            }
            return request;
        }
    }

    private VmLife() {}

    /** The VM's device to vfio-pci: once, before its first life. */
    public static Step bind(int vm) {
        return new Step("driver.bind", "{\"device\": \"" + device(vm) + "\", \"driver\": \"vfio-pci\"}", null);
    }

    /** One VM's life on its own group (group {@code vm + 1}), each request answered before the next. */
    public static List<Step> life(int vm) {
        return List.of(
                new Step("vfio.group.open", "{\"group\": " + (vm + 1) + "}", "g"),
                new Step("vfio.container.open", "{}", "c"),
                new Step("vfio.group.set_container", "{\"fd\": \"g\", \"container\": \"c\"}", null),
                new Step("vfio.container.set_iommu", "{\"fd\": \"c\", \"type\": \"type1v2\"}", null),
                new Step("vfio.group.close", "{\"fd\": \"g\"}", null),
                new Step("vfio.container.close", "{\"fd\": \"c\"}", null));
    }

    public static String device(int vm) {
        return "0000:%02x:00.0".formatted(vm + 1);
    }

    /** The machine as a scenario file's text (no steps), as {@code custody serve --topology} reads it. */
    public static String scenarioFile(int vms) {
        StringBuilder devices = new StringBuilder();
        for (int i = 0; i < vms; i++) {
            devices.append(i == 0 ? "" : ",")
                    .append("{\"name\": \"")
                    .append(device(i))
                    .append("\", \"iommu\": \"dmar0\", \"group\": ")
                    .append(i + 1)
                    .append('}');
        }
        return "{\"topology\": {\"iommus\": [{\"name\": \"dmar0\"}], \"devices\": [" + devices + "]}, \"steps\": []}";
    }

    public static Topology topology(int vms) {
        return ScenarioParser.parse("vm-life", scenarioFile(vms)).topology();
    }
}
