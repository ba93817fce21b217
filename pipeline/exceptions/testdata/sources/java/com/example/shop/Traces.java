package com.example.shop;

import java.io.FileWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.reflect.Method;
import java.util.List;
import java.util.Map;

/** Prints real JVM stack traces used as parser fixtures (run once; output is committed). */
public class Traces {
    static class Inventory {
        private final Map<String, Integer> stock;

        Inventory(Map<String, Integer> stock) {
            this.stock = stock;
        }

        int reserve(String sku) {
            Integer n = stock.get(sku);
            return n - 1; // NullPointerException for an unknown sku
        }
    }

    static class CheckoutException extends RuntimeException {
        CheckoutException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    static int checkout(Inventory inventory, String sku) {
        try {
            return inventory.reserve(sku);
        } catch (NullPointerException e) {
            throw new CheckoutException("cannot reserve " + sku, e);
        }
    }

    static void handle(Inventory inventory, String sku) {
        try {
            checkout(inventory, sku);
        } catch (CheckoutException e) {
            IllegalStateException outer = new IllegalStateException("request failed", e);
            outer.addSuppressed(new IOException("connection reset"));
            throw outer;
        }
    }

    public static void invokeViaReflection() throws Exception {
        Method m = Traces.class.getDeclaredMethod("handle", Inventory.class, String.class);
        m.invoke(null, new Inventory(Map.of("a", 1)), "b");
    }

    static void show(String name, ThrowingRunnable r) throws IOException {
        try {
            r.run();
        } catch (Throwable t) {
            try (PrintWriter w = new PrintWriter(new FileWriter("../../java-" + name + ".txt"))) {
                t.printStackTrace(w);
            }
        }
    }

    interface ThrowingRunnable {
        void run() throws Exception;
    }

    public static void main(String[] args) throws IOException {
        show("caused-by", () -> handle(new Inventory(Map.of("a", 1)), "b"));
        show("reflection", Traces::invokeViaReflection);
        show("lambda", () -> List.of("1", "x").forEach(s -> Integer.parseInt(s)));
    }
}
