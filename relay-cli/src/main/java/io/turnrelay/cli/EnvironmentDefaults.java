package io.turnrelay.cli;

import java.lang.reflect.Field;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;

/**
 * Gives an option the value of its {@link Env} variable when the command line does not set it, so the
 * precedence is command line, then environment, then the annotation's default. Blank variables count as unset.
 */
final class EnvironmentDefaults implements IDefaultValueProvider {
    private final Map<String, String> environment;

    EnvironmentDefaults(Map<String, String> environment) {
        this.environment = environment;
    }

    @Override
    public @Nullable String defaultValue(ArgSpec argument) {
        String name = variableOf(argument);
        if (name == null) {
            return null;
        }
        String value = environment.get(name);
        return value == null || value.isBlank() ? null : value.strip();
    }

    /** The environment variable of an option, or null for options without one (e.g. --help). */
    static @Nullable String variableOf(ArgSpec argument) {
        Object element = argument.userObject();
        if (element instanceof Field field) {
            Env env = field.getAnnotation(Env.class);
            return env == null ? null : env.value();
        }
        return null;
    }
}
