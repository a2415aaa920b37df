/**
 * End-to-end test fixtures: real {@code docker-registry}, {@code skopeo} and {@code containerd}
 * processes on loopback, and real OCI images built on disk without docker. Suites that pull images
 * through berth with real clients use these; the {@code *Test} classes here prove the fixtures work
 * on their own, without berth. Authenticated upstreams: {@link
 * dev.berth.proxy.e2e.LocalRegistry#startNewWithHtpasswd} (HTTP Basic) and {@link
 * dev.berth.proxy.e2e.TokenAuthRegistry} (distribution's token auth with per-user grants, served by
 * an in-process {@link dev.berth.proxy.e2e.TokenServer}). Kubernetes-style pulls: {@link
 * dev.berth.proxy.e2e.Containerd#startWithCri} and {@link dev.berth.proxy.e2e.CriClient} (the CRI
 * {@code PullImage} call a kubelet makes, with the pod's credentials in {@code AuthConfig}).
 *
 * <p>Every process a fixture starts is stopped by its own PID on {@code close()} (and, as a last
 * resort, by a JVM shutdown hook), and no fixture reaches the internet. Tool availability follows
 * {@link dev.berth.proxy.e2e.E2eTools}: skip by default, fail when {@code BERTH_E2E=required}.
 */
@NullMarked
package dev.berth.proxy.e2e;

import org.jspecify.annotations.NullMarked;
