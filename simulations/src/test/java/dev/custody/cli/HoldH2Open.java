package dev.custody.cli;

import java.sql.Connection;
import java.sql.DriverManager;

/** A child process for tests: opens an embedded H2 file, says "open", and holds it until its input closes. */
public final class HoldH2Open {
    private HoldH2Open() {}

    public static void main(String[] args) throws Exception {
        try (Connection held = DriverManager.getConnection("jdbc:h2:file:" + args[0], "sa", "")) {
            System.out.println("open");
            System.out.flush();
            int read;
            do { // hold the file until the parent closes our input
                read = System.in.read();
            } while (read >= 0 && held.isValid(0));
        }
    }
}
