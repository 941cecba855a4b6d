package io.turnrelay.cli;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;

/**
 * Takes a signal over from the JVM (SIGHUP would otherwise stop the process as SIGTERM does; SIGUSR1 is ignored)
 * with {@code sun.misc.Signal} from the {@code jdk.unsupported} module, the only way Java has. Reached reflectively so
 * that javac has no internal-API warning to print; nothing outside the CLI uses it.
 */
final class Signals {
    private Signals() {}

    /**
     * Runs {@code action} on the JVM's signal thread at every {@code name} signal ("HUP", "USR1"); keep it short.
     *
     * @throws IllegalStateException with the JVM's reason when the signal cannot be taken over here (e.g. under
     *     {@code -Xrs}, when the process was started with it ignored, as {@code nohup} does for SIGHUP, or on a JVM
     *     without {@code sun.misc.Signal})
     */
    static void handle(String name, Runnable action) {
        try {
            Class<?> signalClass = Class.forName("sun.misc.Signal");
            Class<?> handlerClass = Class.forName("sun.misc.SignalHandler");
            Object signal = signalClass.getConstructor(String.class).newInstance(name);
            Object handler = Proxy.newProxyInstance(Signals.class.getClassLoader(), new Class<?>[] {handlerClass}, (proxy, method, args) ->
                    switch (method.getName()) {
                        case "handle" -> {
                            action.run();
                            yield null;
                        }
                        case "hashCode" -> System.identityHashCode(proxy);
                        case "equals" -> proxy == args[0];
                        case "toString" -> "SIG" + name + " handler of relay-cli";
                        default -> throw new UnsupportedOperationException(method.getName());
                    });
            Object previous = signalClass.getMethod("handle", signalClass, handlerClass).invoke(null, signal, handler);
            // The JVM leaves a signal the process was started ignoring (nohup) ignored, and says so only this way.
            if (previous == handlerClass.getField("SIG_IGN").get(null)) {
                throw new IllegalStateException("SIG" + name + " is ignored in this process (started under nohup?)");
            }
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new IllegalStateException(String.valueOf(cause.getMessage()), cause);
        } catch (ReflectiveOperationException | LinkageError e) {
            throw new IllegalStateException("sun.misc.Signal is not available (" + e + ")", e);
        }
    }
}
