package dev.custody.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.custody.model.Command;
import dev.custody.model.DeviceId;
import dev.custody.model.GroupId;
import dev.custody.model.Handle;
import dev.custody.model.state.KernelState;
import dev.custody.model.state.OpenFile;
import dev.custody.ops.Caller;
import dev.custody.ops.Operation;
import dev.custody.ops.Operations;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Who may connect and what each may do (docs/protocol.md, Access policy). The server's own user may
 * do everything; a policy file grants other users or groups the right to query, or to act on
 * listed IOMMU groups and devices. Anyone no rule names is refused at connect. The socket file's
 * mode is the first gate (0600 unless the policy widens it), this is the second.
 */
public final class Policy {

    /** One rule of the file: whom it names (a user, a group, or both) and what it grants. */
    record Rule(Optional<String> user, Optional<String> group, Grant grant) {
        boolean names(PeerCredentials peer) {
            return user.map(peer.user()::equals).orElse(false)
                    || group.map(peer.group()::equals).orElse(false);
        }
    }

    private final List<Rule> rules;
    private final Set<PosixFilePermission> socketMode;
    private final String source;

    private Policy(List<Rule> rules, Set<PosixFilePermission> socketMode, String source) {
        this.rules = List.copyOf(rules);
        this.socketMode = Set.copyOf(socketMode);
        this.source = source;
    }

    /** The default: the server's own user, and nobody else. */
    public static Policy ownerOnly() {
        return new Policy(List.of(), PosixFilePermissions.fromString("rw-------"), "the default (owner only)");
    }

    public static Policy read(Path file) throws IOException {
        JsonNode root;
        try {
            root = Messages.JSON.readTree(Files.readString(file));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException(file + ": not valid JSON: " + e.getOriginalMessage());
        }
        return parse(file.toString(), root);
    }

    static Policy parse(String source, JsonNode root) {
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException(source + ": a policy is a JSON object with \"rules\"");
        }
        only(source, root, Set.of("rules", "socketMode", "description"));
        Set<PosixFilePermission> mode = PosixFilePermissions.fromString("rw-------");
        if (root.has("socketMode")) {
            String text = root.get("socketMode").asText();
            if (!text.matches("0?[0-7]{3}")) {
                throw new IllegalArgumentException(
                        source + ": socketMode must be an octal mode such as \"0660\", not " + root.get("socketMode"));
            }
            mode = fromOctal(Integer.parseInt(text, 8));
        }
        List<Rule> rules = new ArrayList<>();
        JsonNode list = root.get("rules");
        if (list == null || !list.isArray()) {
            throw new IllegalArgumentException(source + ": \"rules\" must be a list");
        }
        int n = 0;
        for (JsonNode rule : list) {
            n++;
            rules.add(rule(source + ": rule " + n, rule));
        }
        return new Policy(rules, mode, source);
    }

    private static Rule rule(String where, JsonNode node) {
        if (!node.isObject()) {
            throw new IllegalArgumentException(where + ": must be an object");
        }
        only(where, node, Set.of("user", "group", "may", "groups", "devices", "callers", "description"));
        Optional<String> user = optionalText(where, node, "user");
        Optional<String> group = optionalText(where, node, "group");
        if (user.isEmpty() && group.isEmpty()) {
            throw new IllegalArgumentException(where + ": names nobody (give \"user\" or \"group\")");
        }
        String may = node.path("may").asText("");
        if (may.equals("query")) {
            if (node.has("groups") || node.has("devices") || node.has("callers")) {
                throw new IllegalArgumentException(where + ": a query rule grants no groups, devices or callers");
            }
            return new Rule(user, group, Grant.QUERY);
        }
        if (!may.equals("act")) {
            throw new IllegalArgumentException(
                    where + ": \"may\" must be \"act\" or \"query\", not " + node.get("may"));
        }
        boolean all = node.path("groups").isTextual()
                && node.get("groups").textValue().equals("all");
        Set<GroupId> groups = new HashSet<>();
        if (!all && node.has("groups")) {
            if (!node.get("groups").isArray()) {
                throw new IllegalArgumentException(where + ": \"groups\" must be \"all\" or a list of group numbers");
            }
            for (JsonNode g : node.get("groups")) {
                if (!g.canConvertToInt() || g.intValue() < 0) {
                    throw new IllegalArgumentException(where + ": " + g + " is not a group number");
                }
                groups.add(new GroupId(g.intValue()));
            }
        }
        Set<DeviceId> devices = new HashSet<>();
        if (node.has("devices")) {
            if (!node.get("devices").isArray()) {
                throw new IllegalArgumentException(where + ": \"devices\" must be a list of device names");
            }
            node.get("devices").forEach(d -> devices.add(new DeviceId(d.asText())));
        }
        Set<Caller> callers = EnumSet.of(Caller.USER_SPACE);
        if (node.has("callers")) {
            callers = EnumSet.noneOf(Caller.class);
            for (JsonNode c : node.get("callers")) {
                try {
                    callers.add(Caller.valueOf(c.asText()));
                } catch (IllegalArgumentException unknown) {
                    throw new IllegalArgumentException(
                            where + ": unknown caller kind " + c + " (USER_SPACE, IN_KERNEL, HARNESS)");
                }
            }
        }
        return new Rule(user, group, new Grant(true, all, groups, devices, callers));
    }

    /** What {@code peer} may do, or empty when it may not connect at all. */
    Optional<Grant> grantFor(PeerCredentials peer, String serverUser) {
        if (peer.user().equals(serverUser)) {
            return Optional.of(Grant.EVERYTHING);
        }
        return rules.stream().filter(r -> r.names(peer)).map(Rule::grant).reduce(Grant::union);
    }

    /** Why {@code grant} does not cover this operation, or empty when it does. */
    static Optional<String> refusal(Grant grant, Operation<?> operation, Command<?> command, KernelState state) {
        if (!grant.act()) {
            return Optional.of("this user " + grant.describe() + "; " + operation.name() + " acts on the machine");
        }
        if (!grant.callers().contains(operation.caller())) {
            return Optional.of(operation.name() + " is an operation of " + operation.caller()
                    + ", which the policy does not grant this user");
        }
        if (grant.allGroups()) {
            return Optional.empty();
        }
        for (GroupId group : Operations.groups(command)) {
            if (!grant.mayUseGroup(group)) {
                return Optional.of(
                        operation.name() + " names IOMMU group " + group.number() + "; this user " + grant.describe());
            }
        }
        for (DeviceId device : Operations.devices(command)) {
            Optional<GroupId> group =
                    state.devices().containsKey(device) ? state.spec(device).group() : Optional.empty();
            if (!grant.devices().contains(device)
                    && group.map(g -> !grant.mayUseGroup(g)).orElse(true)) {
                return Optional.of(operation.name() + " names device " + device.name()
                        + group.map(g -> " in IOMMU group " + g.number()).orElse("") + "; this user "
                        + grant.describe());
            }
        }
        for (Handle handle : Operations.handles(command)) {
            if (handle instanceof Handle.File f) {
                Optional<GroupId> group = state.file(f.id()).flatMap(file -> groupOf(state, file));
                if (group.isPresent() && !grant.mayUseGroup(group.get())) {
                    return Optional.of(operation.name() + " uses a file of IOMMU group "
                            + group.get().number() + "; this user " + grant.describe());
                }
            }
        }
        return Optional.empty();
    }

    private static Optional<GroupId> groupOf(KernelState state, OpenFile file) {
        return switch (file) {
            case OpenFile.VfioGroupFile g -> g.group();
            case OpenFile.VfioDeviceFile d -> state.spec(d.device()).group();
            case OpenFile.CdevFile c -> state.spec(c.device()).group();
            default -> Optional.empty();
        };
    }

    public Set<PosixFilePermission> socketMode() {
        return socketMode;
    }

    public String source() {
        return source;
    }

    private static Set<PosixFilePermission> fromOctal(int mode) {
        Set<PosixFilePermission> permissions = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] order = {
            PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
            PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
            PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ
        };
        for (int bit = 0; bit < order.length; bit++) {
            if ((mode & (1 << bit)) != 0) {
                permissions.add(order[bit]);
            }
        }
        return permissions;
    }

    private static Optional<String> optionalText(String where, JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return Optional.empty();
        }
        if (!value.isTextual() && !value.isIntegralNumber()) {
            throw new IllegalArgumentException(where + ": \"" + field + "\" must be a name");
        }
        return Optional.of(value.asText());
    }

    private static void only(String where, JsonNode node, Set<String> known) {
        node.fieldNames().forEachRemaining(name -> {
            if (!known.contains(name)) {
                throw new IllegalArgumentException(
                        where + ": \"" + name + "\" is not a policy field (fields: " + String.join(", ", known) + ")");
            }
        });
    }
}
