package io.turnrelay.cli;

import picocli.CommandLine.IVersionProvider;

/** The version of the running build, from the jar manifest ("dev" when run from classes). */
final class TurnrelayVersion implements IVersionProvider {

    static String current() {
        String version = TurnrelayVersion.class.getPackage().getImplementationVersion();
        return version == null ? "dev" : version;
    }

    @Override
    public String[] getVersion() {
        return new String[] {"turnrelay relay-cli " + current()};
    }
}
