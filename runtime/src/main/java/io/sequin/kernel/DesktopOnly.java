package io.sequin.kernel;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks code that runs only beside the Panama kernels, so only on JVMs with the Vector API: it may
 * use what Android's API lacks (the build's Android API check skips it; see runtime/pom.xml).
 */
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
@interface DesktopOnly {
}
