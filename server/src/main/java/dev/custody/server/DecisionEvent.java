package dev.custody.server;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/** A JFR event per operation the server had the engine decide: from the request to the answer. */
@Name("dev.custody.Decision")
@Label("Custody decision")
@Category({"Custody", "Control socket"})
@Description("One operation decided by the engine for a client of the control socket")
@StackTrace(false)
final class DecisionEvent extends Event {
    @Label("Operation")
    String operation;

    @Label("Result")
    String result;

    @Label("Operation id")
    String operationId;

    @Label("User")
    String user;

    @Label("Decision number")
    @Description("The journaled decision's number; 0 when nothing was journaled")
    long seq;
}
