# The JDK and Maven settings of both JVM programs (java/ and scala/, which
# include this file). The runner passes JDK=<the newest JDK >= 21>
# (runner/toolchains.py); by hand Temurin 25 is the default (FFM gives
# getrusage); without it the java on PATH is used, and the programs report
# ctx_switches as null.
JDK ?= /usr/lib/jvm/temurin-25-jdk-amd64
ifneq ($(wildcard $(JDK)/bin/java),)
JAVA_HOME := $(JDK)
else
JAVA_HOME := $(patsubst %/bin/java,%,$(realpath $(shell command -v java)))
endif
ifeq ($(JAVA_HOME),)
$(error no JDK: neither $(JDK) nor a java on PATH)
endif
export JAVA_HOME
# Maven 3.8's bundled Guava uses sun.misc.Unsafe, which JDK 24+ warns about
# on every run; a JDK before 23 does not know the option and would refuse it.
ifneq ($(shell "$(JAVA_HOME)/bin/java" --sun-misc-unsafe-memory-access=allow -version >/dev/null 2>&1 && echo yes),)
export MAVEN_OPTS := --sun-misc-unsafe-memory-access=allow
endif

MVN := mvn -q -B -Dstyle.color=never
