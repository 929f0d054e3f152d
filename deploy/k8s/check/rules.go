package check

import (
	"fmt"
	"maps"
	"net"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// Registry says how a build names its images.
type Registry int

const (
	// LocalImages: fotogal/<binary>, as `make images` tags them, never
	// pulled from a registry.
	LocalImages Registry = iota
	// OCIRImages: <region>.ocir.io/<namespace>/fotogal/<binary>:<tag>, the
	// OCI registry, with a tag other than latest.
	OCIRImages
)

// Profile says what a build is, where the rules differ between builds.
type Profile struct {
	// Registry is how the build names its images.
	Registry Registry
	// Complete: all five binaries are in the build, so the callers and the
	// callees of each are too, and the namespace has its default deny.
	Complete bool
	// Autoscaled: each Deployment that keeps no state in its pod has an
	// HPA (at least 2 replicas) that owns its replica count. Otherwise
	// every Deployment runs one replica, with no HPA.
	Autoscaled bool
}

// Context is what the rules check: one build's objects, what it is, and
// what the sources say of the binaries.
type Context struct {
	Set      *Set
	Profile  Profile
	Binaries map[string]*Binary
}

// Rule is one check over a build.
type Rule struct {
	// Name names the rule in its errors, e.g. "pod-security".
	Name string
	// Doc says what it requires, in a sentence.
	Doc string
	// Check returns one error per breach, each naming the object.
	Check func(*Context) []error
}

// OperatorSecrets are the Secrets the operator creates by hand, never in
// the repository (deploy/k8s/README.md), with their keys. A build may
// refer to them without holding them.
var OperatorSecrets = map[string][]string{
	"fotogal-service-secret": {"secret"},
	"fotogal-ocir":           {corev1.DockerConfigJsonKey},
}

// FotoGal's identity in every pod: the image's user and group.
const nonRootID = 65532

// Rules are the checks every build must pass, in the order they run.
var Rules = []Rule{
	{"pod-probes", "every container has liveness and readiness probes on a port it declares: grpc.health.v1 on the grpc port for a gRPC service, HTTP for the gateway", checkProbes},
	{"pod-resources", "every container requests and limits cpu and memory, the request no more than the limit", checkResources},
	{"pod-security", "every pod runs as 65532:65532 (runAsNonRoot, fsGroup), seccomp RuntimeDefault, no host namespaces, no service links, its own service account, a token only for Workload Identity; every container has a read-only root, no privilege escalation, capabilities drop ALL", checkSecurity},
	{"references", "every ConfigMap, Secret, ServiceAccount and PersistentVolumeClaim a pod uses, and every key it names, is in the build or is one of OperatorSecrets", checkReferences},
	{"selectors", "each Deployment's selector matches its pods; each Service, PodDisruptionBudget, NetworkPolicy and topology spread selector matches pods of the build; each Deployment has one PDB; each HPA targets a Deployment of the build", checkSelectors},
	{"service-ports", "every Service port's targetPort is a port (by name or number, same protocol) of every pod the Service selects", checkServicePorts},
	{"images", "each Deployment fotogal-<binary> runs one container <binary>, its image named as the profile says (fotogal/<binary>, not pulled, or <region>.ocir.io/<namespace>/fotogal/<binary>:<tag>)", checkImages},
	{"exposure", "a LoadBalancer or NodePort Service exposes only 80, 443 or 8080, to the gateway's HTTP port 8080; no Service has external IPs", checkExposure},
	{"network-policies", "the namespace denies ingress by default; every pod is selected by a policy; a port other binaries dial (grpc, the image's content) admits exactly the pods whose settings dial it, from the namespace; the gateway's http port admits everyone; metrics only other namespaces by label; nothing else is open", checkNetworkPolicies},
	{"scaling", "a pod on the embedded backends (SQLite, directory bucket) keeps /data on a PVC and runs exactly one replica, Recreate, without HPA; one stateless on its backends has an HPA (min 2) owning its replicas when autoscaled, else one replica", checkScaling},
	{"settings", "every variable a container sets is one its binary reads; listen addresses match the declared ports; every service it dials is set, to a Service of the build whose port leads to the port it dials; the data dir is mounted; credentials come from Secrets; Workload Identity has the SDK's variables", checkSettings},
}

// Run applies every rule to c and returns the breaches, each prefixed with
// its rule's name.
func Run(c *Context) []error {
	var errs []error
	for _, r := range Rules {
		for _, err := range r.Check(c) {
			errs = append(errs, fmt.Errorf("%s: %w", r.Name, err))
		}
	}
	return errs
}

// pod is the pod template of one Deployment.
type pod struct {
	id     string
	ns     string
	dep    *appsv1.Deployment
	spec   *corev1.PodSpec
	labels map[string]string
}

func (c *Context) pods() []pod {
	var pods []pod
	for _, d := range c.Set.Deployments {
		pods = append(pods, pod{
			id:     fmt.Sprintf("Deployment %q", d.Name),
			ns:     d.Namespace,
			dep:    d,
			spec:   &d.Spec.Template.Spec,
			labels: d.Spec.Template.Labels,
		})
	}
	return pods
}

// binary returns the binary a pod runs (its first container's name), or
// nil when it runs none of FotoGal's.
func (c *Context) binary(p pod) *Binary {
	if len(p.spec.Containers) == 0 {
		return nil
	}
	return c.Binaries[p.spec.Containers[0].Name]
}

// selects reports whether sel selects lbls; a nil selector selects nothing.
func selects(sel *metav1.LabelSelector, lbls map[string]string) (bool, error) {
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		return false, err
	}
	return s.Matches(labels.Set(lbls)), nil
}

// selected returns the pods of namespace ns that sel selects.
func (c *Context) selected(ns string, sel *metav1.LabelSelector) ([]pod, error) {
	var out []pod
	for _, p := range c.pods() {
		if p.ns != ns {
			continue
		}
		ok, err := selects(sel, p.labels)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, p)
		}
	}
	return out, nil
}

func containers(spec *corev1.PodSpec) []corev1.Container {
	return append(slices.Clone(spec.InitContainers), spec.Containers...)
}

func containerID(p pod, ctr corev1.Container) string {
	return fmt.Sprintf("%s container %q", p.id, ctr.Name)
}

func isTrue(b *bool) bool  { return b != nil && *b }
func isFalse(b *bool) bool { return b != nil && !*b }

func protocol(p corev1.Protocol) corev1.Protocol {
	if p == "" {
		return corev1.ProtocolTCP
	}
	return p
}

// containerPort finds the port of ctr that target names (a name or a
// number) for protocol proto.
func containerPort(ctr corev1.Container, target intstr.IntOrString, proto corev1.Protocol) (corev1.ContainerPort, bool) {
	for _, cp := range ctr.Ports {
		if protocol(cp.Protocol) != protocol(proto) {
			continue
		}
		if target.Type == intstr.String && cp.Name == target.StrVal ||
			target.Type == intstr.Int && cp.ContainerPort == target.IntVal {
			return cp, true
		}
	}
	return corev1.ContainerPort{}, false
}

func podPort(p pod, target intstr.IntOrString, proto corev1.Protocol) (corev1.ContainerPort, bool) {
	for _, ctr := range p.spec.Containers {
		if cp, ok := containerPort(ctr, target, proto); ok {
			return cp, true
		}
	}
	return corev1.ContainerPort{}, false
}

func checkProbes(c *Context) []error {
	var errs []error
	for _, p := range c.pods() {
		for _, ctr := range p.spec.Containers {
			id := containerID(p, ctr)
			grpcPort, isGRPC := containerPort(ctr, intstr.FromString("grpc"), corev1.ProtocolTCP)
			for _, pr := range []struct {
				name     string
				probe    *corev1.Probe
				required bool
			}{
				{"livenessProbe", ctr.LivenessProbe, true},
				{"readinessProbe", ctr.ReadinessProbe, true},
				{"startupProbe", ctr.StartupProbe, false},
			} {
				if pr.probe == nil {
					if pr.required {
						errs = append(errs, fmt.Errorf("%s has no %s", id, pr.name))
					}
					continue
				}
				h := pr.probe.ProbeHandler
				var port intstr.IntOrString
				switch {
				case isGRPC && h.GRPC == nil:
					errs = append(errs, fmt.Errorf("%s: %s is not a gRPC probe, though the container serves gRPC", id, pr.name))
					continue
				case isGRPC && h.GRPC.Port != grpcPort.ContainerPort:
					errs = append(errs, fmt.Errorf("%s: %s checks port %d, not the grpc port %d", id, pr.name, h.GRPC.Port, grpcPort.ContainerPort))
					continue
				case h.GRPC != nil:
					port = intstr.FromInt32(h.GRPC.Port)
				case h.HTTPGet != nil:
					port = h.HTTPGet.Port
				case h.TCPSocket != nil:
					port = h.TCPSocket.Port
				default:
					errs = append(errs, fmt.Errorf("%s: %s checks no port (exec needs a shell the image does not have)", id, pr.name))
					continue
				}
				if _, ok := containerPort(ctr, port, corev1.ProtocolTCP); !ok {
					errs = append(errs, fmt.Errorf("%s: %s checks port %s, which the container does not declare", id, pr.name, port.String()))
				}
			}
		}
	}
	return errs
}

func checkResources(c *Context) []error {
	var errs []error
	for _, p := range c.pods() {
		for _, ctr := range containers(p.spec) {
			id := containerID(p, ctr)
			for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
				req, hasReq := ctr.Resources.Requests[r]
				lim, hasLim := ctr.Resources.Limits[r]
				if !hasReq {
					errs = append(errs, fmt.Errorf("%s requests no %s", id, r))
				}
				if !hasLim {
					errs = append(errs, fmt.Errorf("%s has no %s limit", id, r))
				}
				if hasReq && hasLim && req.Cmp(lim) > 0 {
					errs = append(errs, fmt.Errorf("%s requests %s %s, above its limit %s", id, r, req.String(), lim.String()))
				}
			}
		}
	}
	return errs
}

func checkSecurity(c *Context) []error {
	var errs []error
	fail := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	isID := func(v *int64) bool { return v != nil && *v == nonRootID }
	for _, p := range c.pods() {
		spec := p.spec
		if sc := spec.SecurityContext; sc == nil {
			fail("%s has no pod securityContext", p.id)
		} else {
			if !isTrue(sc.RunAsNonRoot) {
				fail("%s: runAsNonRoot is not true", p.id)
			}
			if !isID(sc.RunAsUser) || !isID(sc.RunAsGroup) || !isID(sc.FSGroup) {
				fail("%s: runAsUser, runAsGroup and fsGroup must all be %d", p.id, nonRootID)
			}
			if sc.SeccompProfile == nil || sc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
				fail("%s: seccompProfile is not RuntimeDefault", p.id)
			}
		}
		if spec.HostNetwork || spec.HostPID || spec.HostIPC {
			fail("%s shares a host namespace (hostNetwork, hostPID or hostIPC)", p.id)
		}
		if !isFalse(spec.EnableServiceLinks) {
			fail("%s: enableServiceLinks is not false (Service variables such as FOTOGAL_AUTH_PORT would mix with FotoGal's settings)", p.id)
		}
		if spec.ServiceAccountName == "" || spec.ServiceAccountName == "default" {
			fail("%s runs as the namespace's default service account, not its own", p.id)
		}
		for _, ctr := range containers(spec) {
			id := containerID(p, ctr)
			sc := ctr.SecurityContext
			if sc == nil {
				fail("%s has no securityContext", id)
				continue
			}
			if !isTrue(sc.ReadOnlyRootFilesystem) {
				fail("%s: readOnlyRootFilesystem is not true", id)
			}
			if !isFalse(sc.AllowPrivilegeEscalation) {
				fail("%s: allowPrivilegeEscalation is not false", id)
			}
			if isTrue(sc.Privileged) {
				fail("%s is privileged", id)
			}
			if sc.Capabilities == nil || !slices.Contains(sc.Capabilities.Drop, "ALL") || len(sc.Capabilities.Add) > 0 {
				fail("%s: capabilities must drop ALL and add none", id)
			}
			if (sc.RunAsUser != nil && !isID(sc.RunAsUser)) || (sc.RunAsGroup != nil && !isID(sc.RunAsGroup)) || isFalse(sc.RunAsNonRoot) {
				fail("%s overrides the pod's user or group", id)
			}
			if sc.SeccompProfile != nil && sc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
				fail("%s overrides the pod's seccompProfile", id)
			}
		}
		workload := false
		for _, ctr := range spec.Containers {
			if c.env(p.ns, ctr)["FOTOGAL_OCI_AUTH"].value == "workload_identity" {
				workload = true
			}
		}
		switch mounted := c.tokenMounted(p); {
		case workload && !mounted:
			fail("%s signs as its service account (FOTOGAL_OCI_AUTH=workload_identity) but gets no token (automountServiceAccountToken)", p.id)
		case !workload && mounted:
			fail("%s mounts a service account token it has no use for (set automountServiceAccountToken: false)", p.id)
		}
	}
	return errs
}

// tokenMounted reports whether Kubernetes mounts the service account token
// into p: the pod's setting, else its service account's, else yes.
func (c *Context) tokenMounted(p pod) bool {
	if p.spec.AutomountServiceAccountToken != nil {
		return *p.spec.AutomountServiceAccountToken
	}
	for _, sa := range c.Set.ServiceAccounts {
		if sa.Namespace == p.ns && sa.Name == p.spec.ServiceAccountName && sa.AutomountServiceAccountToken != nil {
			return *sa.AutomountServiceAccountToken
		}
	}
	return true
}

func (c *Context) configMap(ns, name string) *corev1.ConfigMap {
	for _, cm := range c.Set.ConfigMaps {
		if cm.Namespace == ns && cm.Name == name {
			return cm
		}
	}
	return nil
}

// secretKeys returns the keys of Secret name, from the build or from
// OperatorSecrets, and whether it is known.
func (c *Context) secretKeys(ns, name string) ([]string, bool) {
	for _, s := range c.Set.Secrets {
		if s.Namespace == ns && s.Name == name {
			return slices.Collect(maps.Keys(s.Data)), true
		}
	}
	keys, ok := OperatorSecrets[name]
	return keys, ok
}

func checkReferences(c *Context) []error {
	var errs []error
	has := func(list []string, key string) bool { return slices.Contains(list, key) }
	configMapKeys := func(p pod, name, what string, keys ...string) {
		cm := c.configMap(p.ns, name)
		if cm == nil {
			errs = append(errs, fmt.Errorf("%s: %s uses ConfigMap %q, which is not in the build", p.id, what, name))
			return
		}
		for _, k := range keys {
			if _, ok := cm.Data[k]; !ok {
				errs = append(errs, fmt.Errorf("%s: %s uses key %q of ConfigMap %q, which it does not have", p.id, what, k, name))
			}
		}
	}
	secretKeys := func(p pod, name, what string, keys ...string) {
		known, ok := c.secretKeys(p.ns, name)
		if !ok {
			errs = append(errs, fmt.Errorf("%s: %s uses Secret %q, which is neither in the build nor one the operator creates (OperatorSecrets)", p.id, what, name))
			return
		}
		for _, k := range keys {
			if !has(known, k) {
				errs = append(errs, fmt.Errorf("%s: %s uses key %q of Secret %q, which it does not have", p.id, what, k, name))
			}
		}
	}
	itemKeys := func(items []corev1.KeyToPath) []string {
		var keys []string
		for _, it := range items {
			keys = append(keys, it.Key)
		}
		return keys
	}
	for _, p := range c.pods() {
		if name := p.spec.ServiceAccountName; name != "" && !slices.ContainsFunc(c.Set.ServiceAccounts, func(sa *corev1.ServiceAccount) bool {
			return sa.Namespace == p.ns && sa.Name == name
		}) {
			errs = append(errs, fmt.Errorf("%s runs as ServiceAccount %q, which is not in the build", p.id, name))
		}
		for _, s := range p.spec.ImagePullSecrets {
			secretKeys(p, s.Name, "imagePullSecrets", corev1.DockerConfigJsonKey)
		}
		for _, sa := range c.Set.ServiceAccounts {
			if sa.Namespace != p.ns || sa.Name != p.spec.ServiceAccountName {
				continue
			}
			for _, s := range sa.ImagePullSecrets {
				secretKeys(p, s.Name, fmt.Sprintf("ServiceAccount %q imagePullSecrets", sa.Name), corev1.DockerConfigJsonKey)
			}
		}
		for _, v := range p.spec.Volumes {
			what := fmt.Sprintf("volume %q", v.Name)
			switch {
			case v.ConfigMap != nil:
				configMapKeys(p, v.ConfigMap.Name, what, itemKeys(v.ConfigMap.Items)...)
			case v.Secret != nil:
				secretKeys(p, v.Secret.SecretName, what, itemKeys(v.Secret.Items)...)
			case v.PersistentVolumeClaim != nil:
				if name := v.PersistentVolumeClaim.ClaimName; !slices.ContainsFunc(c.Set.PVCs, func(pvc *corev1.PersistentVolumeClaim) bool {
					return pvc.Namespace == p.ns && pvc.Name == name
				}) {
					errs = append(errs, fmt.Errorf("%s: %s uses PersistentVolumeClaim %q, which is not in the build", p.id, what, name))
				}
			case v.Projected != nil:
				for _, src := range v.Projected.Sources {
					if src.ConfigMap != nil {
						configMapKeys(p, src.ConfigMap.Name, what, itemKeys(src.ConfigMap.Items)...)
					}
					if src.Secret != nil {
						secretKeys(p, src.Secret.Name, what, itemKeys(src.Secret.Items)...)
					}
				}
			}
		}
		for _, ctr := range containers(p.spec) {
			what := fmt.Sprintf("container %q", ctr.Name)
			for _, from := range ctr.EnvFrom {
				if from.ConfigMapRef != nil {
					configMapKeys(p, from.ConfigMapRef.Name, what)
				}
				if from.SecretRef != nil {
					secretKeys(p, from.SecretRef.Name, what)
				}
			}
			for _, e := range ctr.Env {
				if e.ValueFrom == nil {
					continue
				}
				if r := e.ValueFrom.ConfigMapKeyRef; r != nil {
					configMapKeys(p, r.Name, what, r.Key)
				}
				if r := e.ValueFrom.SecretKeyRef; r != nil {
					secretKeys(p, r.Name, what, r.Key)
				}
			}
		}
	}
	return errs
}

func checkSelectors(c *Context) []error {
	var errs []error
	fail := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	// matching returns the pods sel selects in ns, or records why it cannot.
	matching := func(id, ns string, sel *metav1.LabelSelector) []pod {
		if sel == nil || len(sel.MatchLabels) == 0 && len(sel.MatchExpressions) == 0 {
			fail("%s has an empty selector (it would select every pod, or none)", id)
			return nil
		}
		pods, err := c.selected(ns, sel)
		if err != nil {
			fail("%s: selector: %v", id, err)
			return nil
		}
		if len(pods) == 0 {
			fail("%s selects no pod of the build (selector %s)", id, metav1.FormatLabelSelector(sel))
		}
		return pods
	}
	pdbs := map[string]int{}
	for _, p := range c.pods() {
		if ok, err := selects(p.dep.Spec.Selector, p.labels); err != nil || !ok {
			fail("%s: its selector does not match its own pod labels", p.id)
		}
		for _, t := range p.spec.TopologySpreadConstraints {
			if ok, err := selects(t.LabelSelector, p.labels); err != nil || !ok {
				fail("%s: topology spread over %s does not select its own pods", p.id, t.TopologyKey)
			}
		}
	}
	for _, s := range c.Set.Services {
		matching(fmt.Sprintf("Service %q", s.Name), s.Namespace, &metav1.LabelSelector{MatchLabels: s.Spec.Selector})
	}
	for _, b := range c.Set.PDBs {
		for _, p := range matching(fmt.Sprintf("PodDisruptionBudget %q", b.Name), b.Namespace, b.Spec.Selector) {
			pdbs[p.id]++
		}
	}
	for _, p := range c.pods() {
		if n := pdbs[p.id]; n != 1 {
			fail("%s is covered by %d PodDisruptionBudgets, want 1", p.id, n)
		}
	}
	for _, h := range c.Set.HPAs {
		if c.hpaTarget(h) == nil {
			ref := h.Spec.ScaleTargetRef
			fail("HorizontalPodAutoscaler %q targets %s %s %q, which is not a Deployment of the build", h.Name, ref.APIVersion, ref.Kind, ref.Name)
		}
	}
	for _, np := range c.Set.NetworkPolicies {
		id := fmt.Sprintf("NetworkPolicy %q", np.Name)
		if len(np.Spec.PodSelector.MatchLabels) > 0 || len(np.Spec.PodSelector.MatchExpressions) > 0 {
			matching(id, np.Namespace, &np.Spec.PodSelector)
		}
		if !c.Profile.Complete {
			continue
		}
		for _, rule := range np.Spec.Ingress {
			for _, peer := range rule.From {
				if peer.PodSelector != nil && peer.NamespaceSelector == nil {
					matching(id+" ingress peer", np.Namespace, peer.PodSelector)
				}
			}
		}
	}
	return errs
}

// hpaTarget returns the Deployment h scales, or nil.
func (c *Context) hpaTarget(h *autoscalingv2.HorizontalPodAutoscaler) *appsv1.Deployment {
	ref := h.Spec.ScaleTargetRef
	if ref.Kind != "Deployment" || ref.APIVersion != "apps/v1" {
		return nil
	}
	for _, d := range c.Set.Deployments {
		if d.Namespace == h.Namespace && d.Name == ref.Name {
			return d
		}
	}
	return nil
}

func (c *Context) serviceTargets(s *corev1.Service) []pod {
	if len(s.Spec.Selector) == 0 {
		return nil
	}
	pods, _ := c.selected(s.Namespace, &metav1.LabelSelector{MatchLabels: s.Spec.Selector})
	return pods
}

func targetPort(sp corev1.ServicePort) intstr.IntOrString {
	if sp.TargetPort.Type == intstr.Int && sp.TargetPort.IntVal == 0 {
		return intstr.FromInt32(sp.Port)
	}
	return sp.TargetPort
}

func checkServicePorts(c *Context) []error {
	var errs []error
	for _, s := range c.Set.Services {
		for _, sp := range s.Spec.Ports {
			target := targetPort(sp)
			for _, p := range c.serviceTargets(s) {
				if _, ok := podPort(p, target, sp.Protocol); !ok {
					errs = append(errs, fmt.Errorf("Service %q port %d: targetPort %s is not a %s port of %s", s.Name, sp.Port, target.String(), protocol(sp.Protocol), p.id))
				}
			}
		}
	}
	return errs
}

var (
	imageTag       = `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`
	localImageRef  = regexp.MustCompile(`^fotogal/([a-z]+)(?::` + imageTag + `)?$`)
	ocirImageRef   = regexp.MustCompile(`^[a-z0-9-]+\.ocir\.io/[a-z0-9][a-z0-9._-]*/fotogal/([a-z]+):(` + imageTag + `)$`)
	localPullRules = []corev1.PullPolicy{corev1.PullIfNotPresent, corev1.PullNever}
)

func checkImages(c *Context) []error {
	var errs []error
	for _, p := range c.pods() {
		if len(p.spec.Containers) != 1 || len(p.spec.InitContainers) > 0 {
			errs = append(errs, fmt.Errorf("%s has %d containers and %d init containers, want one container, its binary", p.id, len(p.spec.Containers), len(p.spec.InitContainers)))
		}
		for _, ctr := range p.spec.Containers {
			id := containerID(p, ctr)
			if c.Binaries[ctr.Name] == nil || p.dep.Name != "fotogal-"+ctr.Name {
				errs = append(errs, fmt.Errorf("%s: a FotoGal Deployment is fotogal-<binary> with one container <binary> (auth, user, image, feed, gateway)", id))
				continue
			}
			switch c.Profile.Registry {
			case LocalImages:
				m := localImageRef.FindStringSubmatch(ctr.Image)
				if m == nil || m[1] != ctr.Name {
					errs = append(errs, fmt.Errorf("%s runs image %q, not fotogal/%s as `make images` builds it", id, ctr.Image, ctr.Name))
				}
				if !slices.Contains(localPullRules, ctr.ImagePullPolicy) {
					errs = append(errs, fmt.Errorf("%s: imagePullPolicy %q would look fotogal/%s up on Docker Hub; the image is built locally (IfNotPresent or Never)", id, ctr.ImagePullPolicy, ctr.Name))
				}
			case OCIRImages:
				m := ocirImageRef.FindStringSubmatch(ctr.Image)
				if m == nil || m[1] != ctr.Name || m[2] == "latest" {
					errs = append(errs, fmt.Errorf("%s runs image %q, not <region>.ocir.io/<namespace>/fotogal/%s:<tag> with a tag other than latest", id, ctr.Image, ctr.Name))
				}
			}
		}
	}
	return errs
}

// publicPorts are the ports a load balancer may offer: HTTP, HTTPS and the
// gateway's own.
var publicPorts = []int32{80, 443, 8080}

const gatewayPort = 8080

func checkExposure(c *Context) []error {
	var errs []error
	for _, s := range c.Set.Services {
		id := fmt.Sprintf("Service %q", s.Name)
		if len(s.Spec.ExternalIPs) > 0 {
			errs = append(errs, fmt.Errorf("%s has external IPs %v", id, s.Spec.ExternalIPs))
		}
		if s.Spec.Type != corev1.ServiceTypeLoadBalancer && s.Spec.Type != corev1.ServiceTypeNodePort {
			continue
		}
		for _, sp := range s.Spec.Ports {
			if !slices.Contains(publicPorts, sp.Port) {
				errs = append(errs, fmt.Errorf("%s (%s) exposes port %d; only %v may face the outside", id, s.Spec.Type, sp.Port, publicPorts))
			}
			for _, p := range c.serviceTargets(s) {
				if cp, ok := podPort(p, targetPort(sp), sp.Protocol); ok && (cp.ContainerPort != gatewayPort || c.binary(p) == nil || c.binary(p).Name != "gateway") {
					errs = append(errs, fmt.Errorf("%s (%s) port %d leads to port %d of %s; only the gateway's %d may face the outside", id, s.Spec.Type, sp.Port, cp.ContainerPort, p.id, gatewayPort))
				}
			}
		}
	}
	return errs
}

// sources says who a NetworkPolicy lets reach one port of a pod.
type sources struct {
	// anywhere: a rule with no from, or an ipBlock.
	anywhere bool
	// namespaces: namespaceSelector peers, as selectors.
	namespaces []string
	// pods: the Deployments of the namespace that podSelector peers match;
	// podSelectors: those selectors.
	pods         map[string]bool
	podSelectors []string
}

func (s sources) open() bool {
	return s.anywhere || len(s.namespaces) > 0 || len(s.podSelectors) > 0
}

func ingressPolicy(np *networkingv1.NetworkPolicy) bool {
	return len(np.Spec.PolicyTypes) == 0 || slices.Contains(np.Spec.PolicyTypes, networkingv1.PolicyTypeIngress)
}

// admitted returns who the namespace's policies let reach port cp of p,
// and whether any ingress policy selects p at all.
func (c *Context) admitted(p pod, cp corev1.ContainerPort) (sources, bool) {
	src := sources{pods: map[string]bool{}}
	isolated := false
	for _, np := range c.Set.NetworkPolicies {
		if np.Namespace != p.ns || !ingressPolicy(np) {
			continue
		}
		if ok, err := selects(&np.Spec.PodSelector, p.labels); err != nil || !ok {
			continue
		}
		isolated = true
		for _, rule := range np.Spec.Ingress {
			if !rulePortMatches(rule.Ports, cp) {
				continue
			}
			if len(rule.From) == 0 {
				src.anywhere = true
			}
			for _, peer := range rule.From {
				switch {
				case peer.IPBlock != nil:
					src.anywhere = true
				case peer.NamespaceSelector != nil:
					src.namespaces = append(src.namespaces, metav1.FormatLabelSelector(peer.NamespaceSelector))
				case peer.PodSelector != nil:
					src.podSelectors = append(src.podSelectors, metav1.FormatLabelSelector(peer.PodSelector))
					callers, _ := c.selected(p.ns, peer.PodSelector)
					for _, q := range callers {
						src.pods[q.dep.Name] = true
					}
				}
			}
		}
	}
	return src, isolated
}

func rulePortMatches(ports []networkingv1.NetworkPolicyPort, cp corev1.ContainerPort) bool {
	if len(ports) == 0 {
		return true
	}
	for _, np := range ports {
		proto := corev1.ProtocolTCP
		if np.Protocol != nil {
			proto = *np.Protocol
		}
		if proto != protocol(cp.Protocol) {
			continue
		}
		switch {
		case np.Port == nil:
			return true
		case np.Port.Type == intstr.String:
			if np.Port.StrVal == cp.Name {
				return true
			}
		case np.EndPort != nil:
			if cp.ContainerPort >= np.Port.IntVal && cp.ContainerPort <= *np.EndPort {
				return true
			}
		case np.Port.IntVal == cp.ContainerPort:
			return true
		}
	}
	return false
}

// callers returns the Deployments of p's namespace whose settings dial the
// port named port of p's binary (see dials).
func (c *Context) callers(p pod, port string) map[string]bool {
	out := map[string]bool{}
	callee := c.binary(p)
	if callee == nil {
		return out
	}
	for _, d := range dials(c.Binaries) {
		if d.callee != callee.Name || d.port != port {
			continue
		}
		for _, q := range c.pods() {
			if b := c.binary(q); q.ns == p.ns && b != nil && d.dialsWith(b, c.env(q.ns, q.spec.Containers[0])) {
				out[q.dep.Name] = true
			}
		}
	}
	return out
}

// dialled reports whether port is a port name that some setting dials
// (grpc, content).
func (c *Context) dialled(port string) bool {
	return slices.ContainsFunc(dials(c.Binaries), func(d dial) bool { return d.port == port })
}

func checkNetworkPolicies(c *Context) []error {
	var errs []error
	fail := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if c.Profile.Complete {
		namespaces := map[string]bool{}
		for _, p := range c.pods() {
			namespaces[p.ns] = true
		}
		for ns := range namespaces {
			if !slices.ContainsFunc(c.Set.NetworkPolicies, func(np *networkingv1.NetworkPolicy) bool {
				sel := np.Spec.PodSelector
				return np.Namespace == ns && ingressPolicy(np) && len(np.Spec.Ingress) == 0 &&
					len(sel.MatchLabels) == 0 && len(sel.MatchExpressions) == 0
			}) {
				fail("namespace %q has no default-deny ingress policy (podSelector {}, policyTypes [Ingress], no rules)", ns)
			}
		}
	}
	for _, p := range c.pods() {
		for _, ctr := range p.spec.Containers {
			for _, cp := range ctr.Ports {
				id := fmt.Sprintf("%s port %q (%d)", p.id, cp.Name, cp.ContainerPort)
				src, isolated := c.admitted(p, cp)
				if !isolated {
					fail("%s: no ingress NetworkPolicy selects the pod, so every port is open", id)
					break
				}
				switch {
				case c.dialled(cp.Name):
					if src.anywhere || len(src.namespaces) > 0 {
						fail("%s is open beyond the namespace; only the services that call it may reach it", id)
					}
					if !c.Profile.Complete {
						continue
					}
					want := c.callers(p, cp.Name)
					for name := range want {
						if !src.pods[name] {
							fail("%s does not admit %s, which dials it", id, name)
						}
					}
					for name := range src.pods {
						if !want[name] {
							fail("%s admits %s, which does not dial it", id, name)
						}
					}
				case cp.Name == "http":
					if !src.anywhere {
						fail("%s is not open to everyone (the load balancer, clients): give it a rule with no from", id)
					}
				case cp.Name == "metrics":
					if src.anywhere || len(src.podSelectors) > 0 {
						fail("%s is open to more than a monitoring namespace (namespaceSelector)", id)
					}
				default:
					if src.open() {
						fail("%s admits traffic, but FotoGal's pods serve only grpc, content, http and metrics", id)
					}
				}
			}
		}
	}
	return errs
}

// embedded reports whether p keeps its data in the pod's own volume: a
// binary with a store (FOTOGAL_STORE) not on nosql, or with a bucket
// (FOTOGAL_BUCKET) not on oci.
func (c *Context) embedded(p pod) bool {
	b := c.binary(p)
	if b == nil {
		return false
	}
	env := c.env(p.ns, p.spec.Containers[0])
	return b.Reads["FOTOGAL_STORE"] && env["FOTOGAL_STORE"].value != "nosql" ||
		b.Reads["FOTOGAL_BUCKET"] && env["FOTOGAL_BUCKET"].value != "oci"
}

func checkScaling(c *Context) []error {
	var errs []error
	fail := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	for _, p := range c.pods() {
		var hpas []*autoscalingv2.HorizontalPodAutoscaler
		for _, h := range c.Set.HPAs {
			if c.hpaTarget(h) == p.dep {
				hpas = append(hpas, h)
			}
		}
		replicas := p.dep.Spec.Replicas
		switch {
		case c.embedded(p):
			if replicas == nil || *replicas != 1 || len(hpas) > 0 {
				fail("%s keeps its data in the pod (SQLite, directory bucket): it must run exactly one replica (replicas: 1, no HPA)", p.id)
			}
			if p.dep.Spec.Strategy.Type != appsv1.RecreateDeploymentStrategyType {
				fail("%s keeps its data on a ReadWriteOnce volume: its strategy must be Recreate, so that two pods never hold it", p.id)
			}
			if !c.dataOnPVC(p) {
				fail("%s keeps its data in the pod but FOTOGAL_DATA_DIR is not on a PersistentVolumeClaim", p.id)
			}
		case c.Profile.Autoscaled:
			switch {
			case len(hpas) != 1:
				fail("%s keeps no state in the pod, so it must have one HPA (it has %d)", p.id, len(hpas))
			case hpas[0].Spec.MinReplicas == nil || *hpas[0].Spec.MinReplicas < 2 || hpas[0].Spec.MaxReplicas < *hpas[0].Spec.MinReplicas:
				fail("%s: HorizontalPodAutoscaler %q must keep at least 2 replicas (minReplicas ≥ 2, maxReplicas ≥ minReplicas)", p.id, hpas[0].Name)
			}
			if replicas != nil {
				fail("%s sets replicas (%d) although its HPA owns the count: every apply would reset it", p.id, *replicas)
			}
		default:
			if replicas == nil || *replicas != 1 || len(hpas) > 0 {
				fail("%s: this build runs one replica of each Deployment (replicas: 1) and no HPA", p.id)
			}
		}
	}
	return errs
}

// dataOnPVC reports whether p's FOTOGAL_DATA_DIR is the mount of a
// PersistentVolumeClaim.
func (c *Context) dataOnPVC(p pod) bool {
	ctr := p.spec.Containers[0]
	dir := c.env(p.ns, ctr)["FOTOGAL_DATA_DIR"].value
	for _, m := range ctr.VolumeMounts {
		if path.Clean(m.MountPath) != path.Clean(dir) {
			continue
		}
		for _, v := range p.spec.Volumes {
			if v.Name == m.Name && v.PersistentVolumeClaim != nil {
				return true
			}
		}
	}
	return false
}

// envVar is one variable of a container's environment and where it comes
// from.
type envVar struct {
	value  string
	from   string
	secret bool
}

// env returns the environment ctr starts with: the ConfigMaps and Secrets
// of envFrom in order, then env. A Secret's values are not in the build
// and read as "".
func (c *Context) env(ns string, ctr corev1.Container) map[string]envVar {
	out := map[string]envVar{}
	for _, from := range ctr.EnvFrom {
		switch {
		case from.ConfigMapRef != nil:
			if cm := c.configMap(ns, from.ConfigMapRef.Name); cm != nil {
				for k, v := range cm.Data {
					out[from.Prefix+k] = envVar{value: v, from: fmt.Sprintf("ConfigMap %q", cm.Name)}
				}
			}
		case from.SecretRef != nil:
			keys, _ := c.secretKeys(ns, from.SecretRef.Name)
			for _, k := range keys {
				out[from.Prefix+k] = envVar{from: fmt.Sprintf("Secret %q", from.SecretRef.Name), secret: true}
			}
		}
	}
	for _, e := range ctr.Env {
		v := envVar{value: e.Value, from: "env"}
		if e.ValueFrom != nil {
			switch r := e.ValueFrom; {
			case r.SecretKeyRef != nil:
				v = envVar{from: fmt.Sprintf("Secret %q", r.SecretKeyRef.Name), secret: true}
			case r.ConfigMapKeyRef != nil:
				if cm := c.configMap(ns, r.ConfigMapKeyRef.Name); cm != nil {
					v = envVar{value: cm.Data[r.ConfigMapKeyRef.Key], from: fmt.Sprintf("ConfigMap %q", cm.Name)}
				}
			}
		}
		out[e.Name] = v
	}
	return out
}

// listenVariables pairs each listen address a binary may read with the
// name of the container port it must match.
var listenVariables = map[string]string{
	"FOTOGAL_GRPC_ADDR":    "grpc",
	"FOTOGAL_HTTP_ADDR":    "http",
	"FOTOGAL_CONTENT_ADDR": "content",
	"FOTOGAL_METRICS_ADDR": "metrics",
}

var credential = regexp.MustCompile(`_(SECRET|PASSWORD)$`)

func checkSettings(c *Context) []error {
	var errs []error
	fail := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	for _, p := range c.pods() {
		b := c.binary(p)
		if b == nil {
			continue
		}
		ctr := p.spec.Containers[0]
		id := containerID(p, ctr)
		env := c.env(p.ns, ctr)
		for _, name := range slices.Sorted(maps.Keys(env)) {
			v := env[name]
			switch {
			case strings.HasPrefix(name, "FOTOGAL_") && !b.Known[name]:
				fail("%s: %s sets %s, which %s does not read", id, v.from, name, b.Name)
			case !strings.HasPrefix(name, "FOTOGAL_") && !(SDKVariables[name] && b.Known["FOTOGAL_OCI_AUTH"]):
				fail("%s: %s sets %s, which is not a FotoGal setting", id, v.from, name)
			case credential.MatchString(name) && !v.secret:
				fail("%s: %s holds the credential %s; it must come from a Secret", id, v.from, name)
			}
		}
		for variable, portName := range listenVariables {
			if !b.Reads[variable] {
				continue
			}
			cp, declared := containerPort(ctr, intstr.FromString(portName), corev1.ProtocolTCP)
			v, set := env[variable]
			_, port, err := net.SplitHostPort(v.value)
			switch {
			case !declared:
				fail("%s declares no port %q for %s", id, portName, variable)
			case !set || err != nil || port != strconv.Itoa(int(cp.ContainerPort)) || !listensEverywhere(v.value):
				fail("%s: %s is %q; it must be \":%d\", every interface on the declared port %q", id, variable, v.value, cp.ContainerPort, portName)
			}
		}
		for _, d := range dials(c.Binaries) {
			if d.callee == b.Name || !b.Reads[d.variable] {
				continue
			}
			v, set := env[d.variable]
			if !set {
				fail("%s does not set %s: %s would dial its default on 127.0.0.1", id, d.variable, b.Name)
				continue
			}
			if d.optional && v.value == "" {
				continue // Turned off: it dials nothing.
			}
			if err := c.checkDialTarget(p.ns, d, v.value); err != nil {
				fail("%s: %s=%q: %v", id, d.variable, v.value, err)
			}
		}
		if b.Reads["FOTOGAL_DATA_DIR"] {
			dir := env["FOTOGAL_DATA_DIR"].value
			if !path.IsAbs(dir) || !slices.ContainsFunc(ctr.VolumeMounts, func(m corev1.VolumeMount) bool { return path.Clean(m.MountPath) == path.Clean(dir) }) {
				fail("%s: FOTOGAL_DATA_DIR %q is not an absolute path with a volume mounted on it (the root is read-only)", id, dir)
			}
		}
		if b.Reads["FOTOGAL_SERVICE_SECRET"] {
			_, direct := env["FOTOGAL_SERVICE_SECRET"]
			file, byFile := env["FOTOGAL_SERVICE_SECRET_FILE"]
			switch {
			case !direct && !byFile:
				fail("%s has no service credential (FOTOGAL_SERVICE_SECRET from a Secret, or FOTOGAL_SERVICE_SECRET_FILE)", id)
			case byFile && !c.secretFile(p, ctr, file.value):
				fail("%s: FOTOGAL_SERVICE_SECRET_FILE %q is not a key of a Secret volume mounted in the container", id, file.value)
			}
		}
		if env["FOTOGAL_OCI_AUTH"].value == "workload_identity" &&
			(env["OCI_RESOURCE_PRINCIPAL_VERSION"].value != "2.2" || env["OCI_RESOURCE_PRINCIPAL_REGION"].value == "") {
			fail("%s: FOTOGAL_OCI_AUTH=workload_identity needs OCI_RESOURCE_PRINCIPAL_VERSION=2.2 and OCI_RESOURCE_PRINCIPAL_REGION, which the OCI SDK reads", id)
		}
	}
	return errs
}

func listensEverywhere(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	return err == nil && (host == "" || host == "0.0.0.0" || host == "::")
}

// checkDialTarget checks that target, the value of d, names a Service of
// the namespace with a port that leads to the port d dials of d.callee's
// pods; in a build that lacks the callee, only that it names a Service, not
// an address.
func (c *Context) checkDialTarget(ns string, d dial, target string) error {
	hostPort := strings.TrimPrefix(target, "dns:///")
	if d.url {
		u, err := url.Parse(target)
		if err != nil || u.Scheme != "http" || u.Port() == "" || u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
			return fmt.Errorf("not a base URL http://<Service>:<port>")
		}
		hostPort = u.Host
	}
	host, port, err := net.SplitHostPort(hostPort)
	if err != nil {
		return fmt.Errorf("not host:port: %v", err)
	}
	if host == "" || host == "localhost" || net.ParseIP(host) != nil {
		return fmt.Errorf("dial a Service name, not an address")
	}
	if !c.Profile.Complete {
		return nil
	}
	name, _, _ := strings.Cut(host, ".")
	for _, s := range c.Set.Services {
		if s.Namespace != ns || s.Name != name {
			continue
		}
		for _, sp := range s.Spec.Ports {
			if strconv.Itoa(int(sp.Port)) != port {
				continue
			}
			for _, p := range c.serviceTargets(s) {
				cp, ok := podPort(p, targetPort(sp), sp.Protocol)
				if b := c.binary(p); ok && cp.Name == d.port && b != nil && b.Name == d.callee {
					return nil
				}
			}
		}
		return fmt.Errorf("Service %q has no port %s leading to the %s pods' %s port", name, port, d.callee, d.port)
	}
	return fmt.Errorf("no Service %q in the build", name)
}

// secretFile reports whether file is a key of a Secret volume mounted in
// ctr.
func (c *Context) secretFile(p pod, ctr corev1.Container, file string) bool {
	for _, m := range ctr.VolumeMounts {
		for _, v := range p.spec.Volumes {
			if v.Name != m.Name || v.Secret == nil {
				continue
			}
			paths, _ := c.secretKeys(p.ns, v.Secret.SecretName)
			if len(v.Secret.Items) > 0 {
				paths = nil
				for _, it := range v.Secret.Items {
					paths = append(paths, it.Path)
				}
			}
			for _, rel := range paths {
				if path.Join(m.MountPath, rel) == path.Clean(file) {
					return true
				}
			}
		}
	}
	return false
}
