package io.turnrelay.cli;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** The environment variable an option falls back to when it is not on the command line. */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.FIELD)
@interface Env {
    String value();
}
