package check_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/fotogal/fotogal/deploy/k8s/check"
)

// repoRoot is the repository, from this package's directory.
const repoRoot = "../../.."

var (
	local    = check.Profile{Registry: check.LocalImages}
	localAll = check.Profile{Registry: check.LocalImages, Complete: true}
)

// builds are every base and overlay under deploy/k8s, with what each is.
var builds = []struct {
	dir         string
	profile     check.Profile
	deployments int
}{
	{"base/auth", withScaling(local), 1},
	{"base/user", withScaling(local), 1},
	{"base/image", withScaling(local), 1},
	{"base/feed", withScaling(local), 1},
	{"base/gateway", withScaling(local), 1},
	{"base", withScaling(localAll), 5},
	{"overlays/local", localAll, 5},
	{"overlays/oke", check.Profile{Registry: check.OCIRImages, Complete: true, Autoscaled: true}, 5},
}

func withScaling(p check.Profile) check.Profile {
	p.Autoscaled = true
	return p
}

func profileOf(t *testing.T, dir string) check.Profile {
	t.Helper()
	for _, b := range builds {
		if b.dir == dir {
			return b.profile
		}
	}
	t.Fatalf("no build %s", dir)
	return check.Profile{}
}

// rendered builds every directory of builds once, in parallel.
var rendered = sync.OnceValues(func() (map[string][]byte, error) {
	kustomize, err := filepath.Abs(filepath.Join(repoRoot, "tools", "bin", "kustomize"))
	if err != nil {
		return nil, err
	}
	if v := os.Getenv("FOTOGAL_KUSTOMIZE"); v != "" {
		kustomize = v
	}
	if _, err := os.Stat(kustomize); err != nil {
		return nil, errors.New("no kustomize at " + kustomize + ": scripts/check-k8s.sh installs the pinned one (or set FOTOGAL_KUSTOMIZE)")
	}
	out := make(map[string][]byte, len(builds))
	var mu sync.Mutex
	var wg sync.WaitGroup
	errs := make([]error, len(builds))
	for i, b := range builds {
		wg.Go(func() {
			stream, err := check.Build(kustomize, filepath.Join(repoRoot, "deploy", "k8s", b.dir))
			mu.Lock()
			defer mu.Unlock()
			out[b.dir], errs[i] = stream, err
		})
	}
	wg.Wait()
	return out, errors.Join(errs...)
})

var binaries = sync.OnceValues(func() (map[string]*check.Binary, error) {
	return check.LoadBinaries(repoRoot)
})

// decoded renders dir and decodes it into a fresh Set, for one test to
// change as it likes.
func decoded(t *testing.T, dir string) *check.Context {
	t.Helper()
	streams, err := rendered()
	if err != nil {
		t.Fatal(err)
	}
	bins, err := binaries()
	if err != nil {
		t.Fatal(err)
	}
	set, err := check.Decode(streams[dir])
	if err != nil {
		t.Fatalf("decode %s: %v", dir, err)
	}
	return &check.Context{Set: set, Profile: profileOf(t, dir), Binaries: bins}
}

// TestBuilds renders every base and overlay with the pinned kustomize,
// decodes it strictly and checks every rule.
func TestBuilds(t *testing.T) {
	for _, b := range builds {
		t.Run(b.dir, func(t *testing.T) {
			t.Parallel()
			c := decoded(t, b.dir)
			if got := len(c.Set.Deployments); got != b.deployments {
				t.Fatalf("%s renders %d Deployments, want %d", b.dir, got, b.deployments)
			}
			for _, err := range check.Run(c) {
				t.Error(err)
			}
		})
	}
}

func TestLoadBinaries(t *testing.T) {
	bins, err := binaries()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		binary, variable string
		reads            bool
	}{
		{"auth", "FOTOGAL_USER_ADDR", true},
		{"auth", "FOTOGAL_IMAGE_ADDR", false},
		{"feed", "FOTOGAL_IMAGE_ADDR", true},
		{"image", "FOTOGAL_BUCKET", true},
		{"image", "FOTOGAL_CONTENT_ADDR", true},
		{"gateway", "FOTOGAL_HTTP_ADDR", true},
		{"gateway", "FOTOGAL_IMAGE_CONTENT_URL", true},
		{"gateway", "FOTOGAL_STORE", false},
	} {
		if got := bins[tc.binary].Reads[tc.variable]; got != tc.reads {
			t.Errorf("%s reads %s: %v, want %v", tc.binary, tc.variable, got, tc.reads)
		}
	}
	for _, v := range []string{"FOTOGAL_SERVICE_SECRET_FILE", "FOTOGAL_NOSQL_REGION", "FOTOGAL_OCI_AUTH"} {
		if !bins["user"].Known[v] {
			t.Errorf("user does not know %s", v)
		}
	}
	for name, b := range bins {
		if !b.Known["FOTOGAL_PPROF"] {
			t.Errorf("%s does not know FOTOGAL_PPROF", name)
		}
	}
	if !bins["image"].Known["FOTOGAL_CONTENT_ACCESS_TTL"] {
		t.Error("image does not know FOTOGAL_CONTENT_ACCESS_TTL")
	}
	for _, v := range []string{"FOTOGAL_NOSQL_REGION", "FOTOGAL_CONTENT_ADDR", "FOTOGAL_CONTENT_ACCESS_TTL"} {
		if bins["gateway"].Known[v] {
			t.Errorf("gateway knows %s, which only the services read", v)
		}
	}
}

func TestDecodeIsStrict(t *testing.T) {
	const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: fotogal-auth
spec:
  replicas: 1
  selector:
    matchLabels: {app: a}
  template:
    metadata:
      labels: {app: a}
    spec:
      containers:
        - name: auth
          image: fotogal/auth
          securityContext:
            readOnlyRootFilesystem: true
`
	for _, tc := range []struct {
		name, doc, want string
	}{
		{"valid", deployment, ""},
		{"misspelt field", strings.Replace(deployment, "securityContext:", "securityContexts:", 1), `unknown field "spec.template.spec.containers[0].securityContexts"`},
		{"wrong case", strings.Replace(deployment, "readOnlyRootFilesystem", "readonlyRootFilesystem", 1), `unknown field "spec.template.spec.containers[0].securityContext.readonlyRootFilesystem"`},
		{"duplicate key", strings.Replace(deployment, "  replicas: 1\n", "  replicas: 1\n  replicas: 2\n", 1), `"replicas" already set`},
		{"wrong type", strings.Replace(deployment, "replicas: 1", "replicas: two", 1), "cannot unmarshal string"},
		{"unknown kind", "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: x}\n", `Ingress "x": apiVersion "networking.k8s.io/v1" and kind "Ingress" are not among`},
		{"old apiVersion", "apiVersion: autoscaling/v1\nkind: HorizontalPodAutoscaler\nmetadata: {name: x}\n", "are not among"},
		{"second object", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n---\n" + strings.Replace(deployment, "image:", "imag:", 1), `object 2: Deployment "fotogal-auth"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			set, err := check.Decode([]byte(tc.doc))
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("Decode: %v", err)
			case tc.want == "" && (len(set.Deployments) != 1 || !*set.Deployments[0].Spec.Template.Spec.Containers[0].SecurityContext.ReadOnlyRootFilesystem):
				t.Fatalf("Decode gave %+v", set)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("Decode error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestBuildNamesTheDirectory(t *testing.T) {
	streams, err := rendered()
	if err != nil {
		t.Fatal(err)
	}
	if len(streams) != len(builds) {
		t.Fatalf("rendered %d builds, want %d", len(streams), len(builds))
	}
	kustomize, _ := filepath.Abs(filepath.Join(repoRoot, "tools", "bin", "kustomize"))
	_, err = check.Build(kustomize, t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "kustomize build "+os.TempDir()) {
		t.Fatalf("Build of a directory without kustomization: %v", err)
	}
}

// Finders for the objects the breaches below change.

func deployment(t *testing.T, c *check.Context, name string) *appsv1.Deployment {
	t.Helper()
	for _, d := range c.Set.Deployments {
		if d.Name == name {
			return d
		}
	}
	t.Fatalf("no Deployment %s", name)
	return nil
}

func container(t *testing.T, c *check.Context, name string) *corev1.Container {
	t.Helper()
	return &deployment(t, c, name).Spec.Template.Spec.Containers[0]
}

func podSpec(t *testing.T, c *check.Context, name string) *corev1.PodSpec {
	t.Helper()
	return &deployment(t, c, name).Spec.Template.Spec
}

func service(t *testing.T, c *check.Context, name string) *corev1.Service {
	t.Helper()
	for _, s := range c.Set.Services {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no Service %s", name)
	return nil
}

func networkPolicy(t *testing.T, c *check.Context, name string) *networkingv1.NetworkPolicy {
	t.Helper()
	for _, np := range c.Set.NetworkPolicies {
		if np.Name == name {
			return np
		}
	}
	t.Fatalf("no NetworkPolicy %s", name)
	return nil
}

func hpa(t *testing.T, c *check.Context, name string) *autoscalingv2.HorizontalPodAutoscaler {
	t.Helper()
	for _, h := range c.Set.HPAs {
		if h.Name == name {
			return h
		}
	}
	t.Fatalf("no HorizontalPodAutoscaler %s", name)
	return nil
}

// configMap finds a generated ConfigMap by the name before its hash.
func configMap(t *testing.T, c *check.Context, name string) *corev1.ConfigMap {
	t.Helper()
	for _, cm := range c.Set.ConfigMaps {
		if hash, ok := strings.CutPrefix(cm.Name, name+"-"); ok && len(hash) == 10 {
			return cm
		}
	}
	t.Fatalf("no ConfigMap %s-<hash>", name)
	return nil
}

func serviceAccount(t *testing.T, c *check.Context, name string) *corev1.ServiceAccount {
	t.Helper()
	for _, sa := range c.Set.ServiceAccounts {
		if sa.Name == name {
			return sa
		}
	}
	t.Fatalf("no ServiceAccount %s", name)
	return nil
}

func volume(t *testing.T, c *check.Context, dep, name string) *corev1.Volume {
	t.Helper()
	spec := podSpec(t, c, dep)
	for i := range spec.Volumes {
		if spec.Volumes[i].Name == name {
			return &spec.Volumes[i]
		}
	}
	t.Fatalf("no volume %s in %s", name, dep)
	return nil
}

func ptr[T any](v T) *T { return &v }

func peer(name string) networkingv1.NetworkPolicyPeer {
	return networkingv1.NetworkPolicyPeer{PodSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app.kubernetes.io/name": name}}}
}

// TestRulesCatchBreaches feeds each rule builds broken the way a manifest
// edit could break them, and expects the rule to name the breach.
func TestRulesCatchBreaches(t *testing.T) {
	const (
		base  = "base"
		oke   = "overlays/oke"
		local = "overlays/local"
	)
	cases := []struct {
		rule, name, build string
		breach            func(t *testing.T, c *check.Context)
		want              string
	}{
		// pod-probes
		{"pod-probes", "no liveness probe", oke, func(t *testing.T, c *check.Context) {
			container(t, c, "fotogal-auth").LivenessProbe = nil
		}, `container "auth" has no livenessProbe`},
		{"pod-probes", "no readiness probe", base, func(t *testing.T, c *check.Context) {
			container(t, c, "fotogal-gateway").ReadinessProbe = nil
		}, `container "gateway" has no readinessProbe`},
		{"pod-probes", "TCP probe on a gRPC service", base, func(t *testing.T, c *check.Context) {
			container(t, c, "fotogal-user").LivenessProbe.ProbeHandler = corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(9092)}}
		}, "livenessProbe is not a gRPC probe"},
		{"pod-probes", "gRPC probe on another port", base, func(t *testing.T, c *check.Context) {
			container(t, c, "fotogal-feed").ReadinessProbe.GRPC.Port = 9194
		}, "readinessProbe checks port 9194, not the grpc port 9094"},
		{"pod-probes", "HTTP probe on an undeclared port", base, func(t *testing.T, c *check.Context) {
			container(t, c, "fotogal-gateway").StartupProbe.HTTPGet.Port = intstr.FromString("htp")
		}, "startupProbe checks port htp, which the container does not declare"},

		// pod-resources
		{"pod-resources", "no memory limit", oke, func(t *testing.T, c *check.Context) {
			delete(container(t, c, "fotogal-image").Resources.Limits, corev1.ResourceMemory)
		}, `container "image" has no memory limit`},
		{"pod-resources", "no requests", base, func(t *testing.T, c *check.Context) {
			container(t, c, "fotogal-feed").Resources.Requests = nil
		}, `container "feed" requests no cpu`},
		{"pod-resources", "request above limit", base, func(t *testing.T, c *check.Context) {
			container(t, c, "fotogal-user").Resources.Requests[corev1.ResourceCPU] = resource.MustParse("3")
		}, "requests cpu 3, above its limit 2"},

		// pod-security
		{"pod-security", "runAsNonRoot false", base, func(t *testing.T, c *check.Context) {
			podSpec(t, c, "fotogal-auth").SecurityContext.RunAsNonRoot = ptr(false)
		}, "runAsNonRoot is not true"},
		{"pod-security", "root user", base, func(t *testing.T, c *check.Context) {
			podSpec(t, c, "fotogal-user").SecurityContext.RunAsUser = ptr(int64(0))
		}, "runAsUser, runAsGroup and fsGroup must all be 65532"},
		{"pod-security", "no fsGroup", base, func(t *testing.T, c *check.Context) {
			podSpec(t, c, "fotogal-image").SecurityContext.FSGroup = nil
		}, "runAsUser, runAsGroup and fsGroup must all be 65532"},
		{"pod-security", "no seccomp profile", oke, func(t *testing.T, c *check.Context) {
			podSpec(t, c, "fotogal-gateway").SecurityContext.SeccompProfile = nil
		}, "seccompProfile is not RuntimeDefault"},
		{"pod-security", "writable root", base, func(t *testing.T, c *check.Context) {
			container(t, c, "fotogal-feed").SecurityContext.ReadOnlyRootFilesystem = ptr(false)
		}, "readOnlyRootFilesystem is not true"},
		{"pod-security", "privilege escalation unset", base, func(t *testing.T, c *check.Context) {
			container(t, c, "fotogal-auth").SecurityContext.AllowPrivilegeEscalation = nil
		}, "allowPrivilegeEscalation is not false"},
		{"pod-security", "a capability added", base, func(t *testing.T, c *check.Context) {
			container(t, c, "fotogal-gateway").SecurityContext.Capabilities.Add = []corev1.Capability{"NET_BIND_SERVICE"}
		}, "capabilities must drop ALL and add none"},
		{"pod-security", "container runs as root", base, func(t *testing.T, c *check.Context) {
			container(t, c, "fotogal-user").SecurityContext.RunAsUser = ptr(int64(0))
		}, "overrides the pod's user or group"},
		{"pod-security", "host network", base, func(t *testing.T, c *check.Context) {
			podSpec(t, c, "fotogal-image").HostNetwork = true
		}, "shares a host namespace"},
		{"pod-security", "service links on", base, func(t *testing.T, c *check.Context) {
			podSpec(t, c, "fotogal-feed").EnableServiceLinks = nil
		}, "enableServiceLinks is not false"},
		{"pod-security", "default service account", base, func(t *testing.T, c *check.Context) {
			podSpec(t, c, "fotogal-auth").ServiceAccountName = ""
		}, "default service account"},
		{"pod-security", "Workload Identity without a token", oke, func(t *testing.T, c *check.Context) {
			serviceAccount(t, c, "fotogal-user").AutomountServiceAccountToken = ptr(false)
		}, `Deployment "fotogal-user" signs as its service account (FOTOGAL_OCI_AUTH=workload_identity) but gets no token`},
		{"pod-security", "a token without use", base, func(t *testing.T, c *check.Context) {
			serviceAccount(t, c, "fotogal-gateway").AutomountServiceAccountToken = nil
		}, `Deployment "fotogal-gateway" mounts a service account token it has no use for`},

		// references
		{"references", "missing ConfigMap", base, func(t *testing.T, c *check.Context) {
			container(t, c, "fotogal-auth").EnvFrom[0].ConfigMapRef.Name = "fotogal-auth-config"
		}, `uses ConfigMap "fotogal-auth-config", which is not in the build`},
		{"references", "undocumented Secret", oke, func(t *testing.T, c *check.Context) {
			volume(t, c, "fotogal-user", "service-secret").Secret.SecretName = "fotogal-service-credential"
		}, `uses Secret "fotogal-service-credential", which is neither in the build nor one the operator creates`},
		{"references", "undocumented Secret key", base, func(t *testing.T, c *check.Context) {
			volume(t, c, "fotogal-feed", "service-secret").Secret.Items[0].Key = "password"
		}, `uses key "password" of Secret "fotogal-service-secret"`},
		{"references", "Secret from env", base, func(t *testing.T, c *check.Context) {
			ctr := container(t, c, "fotogal-image")
			ctr.Env = append(ctr.Env, corev1.EnvVar{Name: "FOTOGAL_SERVICE_SECRET", ValueFrom: &corev1.EnvVarSource{
				SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "fotogal-secrets"}, Key: "secret"}}})
		}, `uses Secret "fotogal-secrets"`},
		{"references", "missing ConfigMap key", base, func(t *testing.T, c *check.Context) {
			ctr := container(t, c, "fotogal-user")
			ctr.Env = append(ctr.Env, corev1.EnvVar{Name: "FOTOGAL_LOG_LEVEL", ValueFrom: &corev1.EnvVarSource{
				ConfigMapKeyRef: &corev1.ConfigMapKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: configMap(t, c, "fotogal-user").Name}, Key: "LOG_LEVEL"}}})
		}, `uses key "LOG_LEVEL" of ConfigMap`},
		{"references", "missing PersistentVolumeClaim", local, func(t *testing.T, c *check.Context) {
			volume(t, c, "fotogal-image", "data").PersistentVolumeClaim.ClaimName = "fotogal-data"
		}, `uses PersistentVolumeClaim "fotogal-data"`},
		{"references", "undocumented pull Secret", oke, func(t *testing.T, c *check.Context) {
			serviceAccount(t, c, "fotogal-image").ImagePullSecrets[0].Name = "ocir"
		}, `ServiceAccount "fotogal-image" imagePullSecrets uses Secret "ocir"`},
		{"references", "missing ServiceAccount", oke, func(t *testing.T, c *check.Context) {
			podSpec(t, c, "fotogal-gateway").ServiceAccountName = "fotogal"
		}, `runs as ServiceAccount "fotogal", which is not in the build`},

		// selectors
		{"selectors", "Service selects nothing", base, func(t *testing.T, c *check.Context) {
			service(t, c, "fotogal-user").Spec.Selector = map[string]string{"app.kubernetes.io/name": "fotogal-users"}
		}, `Service "fotogal-user" selects no pod`},
		{"selectors", "Service without selector", base, func(t *testing.T, c *check.Context) {
			service(t, c, "fotogal-feed").Spec.Selector = nil
		}, `Service "fotogal-feed" has an empty selector`},
		{"selectors", "PDB selects nothing", oke, func(t *testing.T, c *check.Context) {
			c.Set.PDBs[0].Spec.Selector.MatchLabels["app.kubernetes.io/name"] = "auth"
		}, "is covered by 0 PodDisruptionBudgets, want 1"},
		{"selectors", "two PDBs", base, func(t *testing.T, c *check.Context) {
			extra := c.Set.PDBs[0].DeepCopy()
			extra.Name = "fotogal-more"
			c.Set.PDBs = append(c.Set.PDBs, extra)
		}, "is covered by 2 PodDisruptionBudgets"},
		{"selectors", "HPA targets nothing", oke, func(t *testing.T, c *check.Context) {
			hpa(t, c, "fotogal-feed").Spec.ScaleTargetRef.Name = "feed"
		}, `targets apps/v1 Deployment "feed", which is not a Deployment of the build`},
		{"selectors", "HPA targets a ReplicaSet", oke, func(t *testing.T, c *check.Context) {
			hpa(t, c, "fotogal-image").Spec.ScaleTargetRef.Kind = "ReplicaSet"
		}, "which is not a Deployment of the build"},
		{"selectors", "NetworkPolicy selects nothing", base, func(t *testing.T, c *check.Context) {
			networkPolicy(t, c, "fotogal-image").Spec.PodSelector.MatchLabels["app.kubernetes.io/name"] = "image"
		}, `NetworkPolicy "fotogal-image" selects no pod`},
		{"selectors", "NetworkPolicy peer selects nothing", oke, func(t *testing.T, c *check.Context) {
			networkPolicy(t, c, "fotogal-feed").Spec.Ingress[0].From[0] = peer("gateway")
		}, `NetworkPolicy "fotogal-feed" ingress peer selects no pod`},
		{"selectors", "Deployment selector misses its pods", base, func(t *testing.T, c *check.Context) {
			deployment(t, c, "fotogal-auth").Spec.Selector.MatchLabels["app.kubernetes.io/name"] = "auth"
		}, "its selector does not match its own pod labels"},
		{"selectors", "topology spread over other pods", oke, func(t *testing.T, c *check.Context) {
			podSpec(t, c, "fotogal-user").TopologySpreadConstraints[1].LabelSelector.MatchLabels["app.kubernetes.io/name"] = "fotogal-auth"
		}, `Deployment "fotogal-user": topology spread over topology.kubernetes.io/zone does not select its own pods`},

		// service-ports
		{"service-ports", "targetPort name", base, func(t *testing.T, c *check.Context) {
			service(t, c, "fotogal-auth").Spec.Ports[0].TargetPort = intstr.FromString("grcp")
		}, `Service "fotogal-auth" port 9091: targetPort grcp is not a TCP port`},
		{"service-ports", "targetPort number", oke, func(t *testing.T, c *check.Context) {
			service(t, c, "fotogal-gateway").Spec.Ports[0].TargetPort = intstr.FromInt32(80)
		}, "targetPort 80 is not a TCP port"},
		{"service-ports", "content targetPort", oke, func(t *testing.T, c *check.Context) {
			service(t, c, "fotogal-image").Spec.Ports[1].TargetPort = intstr.FromString("http")
		}, `Service "fotogal-image" port 9083: targetPort http is not a TCP port`},
		{"service-ports", "protocol", base, func(t *testing.T, c *check.Context) {
			service(t, c, "fotogal-image").Spec.Ports[0].Protocol = corev1.ProtocolUDP
		}, "is not a UDP port"},

		// images
		{"images", "another name", base, func(t *testing.T, c *check.Context) {
			container(t, c, "fotogal-auth").Image = "fotogal/user"
		}, `runs image "fotogal/user", not fotogal/auth`},
		{"images", "a registry in the local build", local, func(t *testing.T, c *check.Context) {
			container(t, c, "fotogal-feed").Image = "docker.io/fotogal/feed:latest"
		}, "not fotogal/feed as `make images` builds it"},
		{"images", "pulled always", local, func(t *testing.T, c *check.Context) {
			container(t, c, "fotogal-image").ImagePullPolicy = corev1.PullAlways
		}, `imagePullPolicy "Always" would look fotogal/image up on Docker Hub`},
		{"images", "local name on OKE", oke, func(t *testing.T, c *check.Context) {
			container(t, c, "fotogal-gateway").Image = "fotogal/gateway"
		}, `runs image "fotogal/gateway", not <region>.ocir.io/<namespace>/fotogal/gateway:<tag>`},
		{"images", "latest on OKE", oke, func(t *testing.T, c *check.Context) {
			container(t, c, "fotogal-user").Image = "fra.ocir.io/tenancy/fotogal/user:latest"
		}, "with a tag other than latest"},
		{"images", "another service's image on OKE", oke, func(t *testing.T, c *check.Context) {
			container(t, c, "fotogal-image").Image = "fra.ocir.io/tenancy/fotogal/feed:1.2.0"
		}, "not <region>.ocir.io/<namespace>/fotogal/image:<tag>"},
		{"images", "container not named for its binary", base, func(t *testing.T, c *check.Context) {
			container(t, c, "fotogal-user").Name = "users"
		}, `container "users": a FotoGal Deployment is fotogal-<binary>`},
		{"images", "a sidecar", base, func(t *testing.T, c *check.Context) {
			spec := podSpec(t, c, "fotogal-gateway")
			spec.Containers = append(spec.Containers, corev1.Container{Name: "proxy", Image: "envoy"})
		}, `Deployment "fotogal-gateway" has 2 containers`},

		// exposure
		{"exposure", "internal service on a load balancer", oke, func(t *testing.T, c *check.Context) {
			service(t, c, "fotogal-auth").Spec.Type = corev1.ServiceTypeLoadBalancer
		}, `Service "fotogal-auth" (LoadBalancer) exposes port 9091`},
		{"exposure", "metrics on the gateway's load balancer", oke, func(t *testing.T, c *check.Context) {
			s := service(t, c, "fotogal-gateway")
			s.Spec.Ports = append(s.Spec.Ports, corev1.ServicePort{Name: "metrics", Port: 443, TargetPort: intstr.FromString("metrics")})
		}, "port 443 leads to port 9190 of Deployment \"fotogal-gateway\""},
		{"exposure", "internal service on a node port", base, func(t *testing.T, c *check.Context) {
			s := service(t, c, "fotogal-feed")
			s.Spec.Type = corev1.ServiceTypeNodePort
			s.Spec.Ports[0].Port = 80
		}, `port 80 leads to port 9094 of Deployment "fotogal-feed"`},
		{"exposure", "external IPs", base, func(t *testing.T, c *check.Context) {
			service(t, c, "fotogal-user").Spec.ExternalIPs = []string{"192.0.2.7"}
		}, `Service "fotogal-user" has external IPs`},

		// network-policies
		{"network-policies", "no default deny", oke, func(t *testing.T, c *check.Context) {
			networkPolicy(t, c, "fotogal-default-deny-ingress").Spec.PolicyTypes = []networkingv1.PolicyType{networkingv1.PolicyTypeEgress}
		}, `namespace "fotogal" has no default-deny ingress policy`},
		{"network-policies", "a caller left out", base, func(t *testing.T, c *check.Context) {
			np := networkPolicy(t, c, "fotogal-auth")
			np.Spec.Ingress[0].From = np.Spec.Ingress[0].From[:2]
		}, `Deployment "fotogal-auth" port "grpc" (9091) does not admit fotogal-image, which dials it`},
		{"network-policies", "a peer that does not call", oke, func(t *testing.T, c *check.Context) {
			np := networkPolicy(t, c, "fotogal-feed")
			np.Spec.Ingress[0].From = append(np.Spec.Ingress[0].From, peer("fotogal-auth"))
		}, `Deployment "fotogal-feed" port "grpc" (9094) admits fotogal-auth, which does not dial it`},
		{"network-policies", "a caller's dial removed", base, func(t *testing.T, c *check.Context) {
			delete(configMap(t, c, "fotogal-feed").Data, "FOTOGAL_IMAGE_ADDR")
		}, `Deployment "fotogal-image" port "grpc" (9093) admits fotogal-feed, which does not dial it`},
		{"network-policies", "the gateway left out of the content port", base, func(t *testing.T, c *check.Context) {
			networkPolicy(t, c, "fotogal-image").Spec.Ingress[1].From = []networkingv1.NetworkPolicyPeer{peer("fotogal-feed")}
		}, `Deployment "fotogal-image" port "content" (9083) does not admit fotogal-gateway, which dials it`},
		{"network-policies", "the content port with the gRPC callers", oke, func(t *testing.T, c *check.Context) {
			np := networkPolicy(t, c, "fotogal-image")
			np.Spec.Ingress[0].Ports = append(np.Spec.Ingress[0].Ports, networkingv1.NetworkPolicyPort{Port: ptr(intstr.FromInt32(9083))})
		}, `Deployment "fotogal-image" port "content" (9083) admits fotogal-user, which does not dial it`},
		{"network-policies", "the content port admitted though not dialled", base, func(t *testing.T, c *check.Context) {
			configMap(t, c, "fotogal-gateway").Data["FOTOGAL_IMAGE_CONTENT_URL"] = ""
		}, `Deployment "fotogal-image" port "content" (9083) admits fotogal-gateway, which does not dial it`},
		{"network-policies", "the content port open to all, alone", "base/image", func(t *testing.T, c *check.Context) {
			networkPolicy(t, c, "fotogal-image").Spec.Ingress[1].From = nil
		}, `Deployment "fotogal-image" port "content" (9083) is open beyond the namespace`},
		{"network-policies", "gRPC open to all", local, func(t *testing.T, c *check.Context) {
			networkPolicy(t, c, "fotogal-user").Spec.Ingress[0].From = nil
		}, `Deployment "fotogal-user" port "grpc" (9092) is open beyond the namespace`},
		{"network-policies", "gRPC open to other namespaces, alone", "base/image", func(t *testing.T, c *check.Context) {
			np := networkPolicy(t, c, "fotogal-image")
			np.Spec.Ingress[0].From = append(np.Spec.Ingress[0].From, networkingv1.NetworkPolicyPeer{NamespaceSelector: &metav1.LabelSelector{}})
		}, `port "grpc" (9093) is open beyond the namespace`},
		{"network-policies", "gateway closed", oke, func(t *testing.T, c *check.Context) {
			networkPolicy(t, c, "fotogal-gateway").Spec.Ingress[0].From = []networkingv1.NetworkPolicyPeer{peer("fotogal-user")}
		}, `Deployment "fotogal-gateway" port "http" (8080) is not open to everyone`},
		{"network-policies", "metrics open to all", base, func(t *testing.T, c *check.Context) {
			networkPolicy(t, c, "fotogal-feed").Spec.Ingress[1].From = nil
		}, `Deployment "fotogal-feed" port "metrics" (9194) is open to more than a monitoring namespace`},
		{"network-policies", "a rule for every port", base, func(t *testing.T, c *check.Context) {
			np := networkPolicy(t, c, "fotogal-user")
			np.Spec.Ingress = append(np.Spec.Ingress, networkingv1.NetworkPolicyIngressRule{From: []networkingv1.NetworkPolicyPeer{peer("fotogal-gateway")}})
		}, `Deployment "fotogal-user" port "metrics" (9192) is open to more than a monitoring namespace`},
		{"network-policies", "another port opened", oke, func(t *testing.T, c *check.Context) {
			ctr := container(t, c, "fotogal-image")
			ctr.Ports = append(ctr.Ports, corev1.ContainerPort{Name: "debug", ContainerPort: 6060})
			np := networkPolicy(t, c, "fotogal-image")
			np.Spec.Ingress = append(np.Spec.Ingress, networkingv1.NetworkPolicyIngressRule{
				Ports: []networkingv1.NetworkPolicyPort{{Port: ptr(intstr.FromInt32(6000)), EndPort: ptr(int32(7000))}},
				From:  []networkingv1.NetworkPolicyPeer{peer("fotogal-gateway")}})
		}, `port "debug" (6060) admits traffic`},
		{"network-policies", "a pod no policy selects", base, func(t *testing.T, c *check.Context) {
			var kept []*networkingv1.NetworkPolicy
			for _, np := range c.Set.NetworkPolicies {
				if np.Name != "fotogal-user" && np.Name != "fotogal-default-deny-ingress" {
					kept = append(kept, np)
				}
			}
			c.Set.NetworkPolicies = kept
		}, `Deployment "fotogal-user" port "grpc" (9092): no ingress NetworkPolicy selects the pod`},

		// scaling
		{"scaling", "two SQLite replicas", base, func(t *testing.T, c *check.Context) {
			deployment(t, c, "fotogal-auth").Spec.Replicas = ptr(int32(2))
		}, `Deployment "fotogal-auth" keeps its data in the pod (SQLite, directory bucket): it must run exactly one replica`},
		{"scaling", "rolling update on a ReadWriteOnce volume", local, func(t *testing.T, c *check.Context) {
			deployment(t, c, "fotogal-user").Spec.Strategy = appsv1.DeploymentStrategy{Type: appsv1.RollingUpdateDeploymentStrategyType}
		}, "its strategy must be Recreate"},
		{"scaling", "SQLite on an emptyDir", base, func(t *testing.T, c *check.Context) {
			volume(t, c, "fotogal-feed", "data").VolumeSource = corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}
		}, `Deployment "fotogal-feed" keeps its data in the pod but FOTOGAL_DATA_DIR is not on a PersistentVolumeClaim`},
		{"scaling", "an HPA on SQLite", base, func(t *testing.T, c *check.Context) {
			extra := hpa(t, c, "fotogal-gateway").DeepCopy()
			extra.Name, extra.Spec.ScaleTargetRef.Name = "fotogal-user", "fotogal-user"
			c.Set.HPAs = append(c.Set.HPAs, extra)
		}, `Deployment "fotogal-user" keeps its data in the pod`},
		{"scaling", "the bucket back on the volume, on OKE", oke, func(t *testing.T, c *check.Context) {
			configMap(t, c, "fotogal-image").Data["FOTOGAL_BUCKET"] = "fs"
		}, `Deployment "fotogal-image" keeps its data in the pod`},
		{"scaling", "no HPA on OKE", oke, func(t *testing.T, c *check.Context) {
			c.Set.HPAs = c.Set.HPAs[1:]
		}, "keeps no state in the pod, so it must have one HPA (it has 0)"},
		{"scaling", "one replica minimum", oke, func(t *testing.T, c *check.Context) {
			hpa(t, c, "fotogal-user").Spec.MinReplicas = ptr(int32(1))
		}, `HorizontalPodAutoscaler "fotogal-user" must keep at least 2 replicas`},
		{"scaling", "replicas beside the HPA", oke, func(t *testing.T, c *check.Context) {
			deployment(t, c, "fotogal-feed").Spec.Replicas = ptr(int32(2))
		}, `Deployment "fotogal-feed" sets replicas (2) although its HPA owns the count`},
		{"scaling", "gateway scaled on a single node", local, func(t *testing.T, c *check.Context) {
			deployment(t, c, "fotogal-gateway").Spec.Replicas = nil
		}, `Deployment "fotogal-gateway": this build runs one replica of each Deployment`},

		// settings
		{"settings", "a misspelt variable", base, func(t *testing.T, c *check.Context) {
			cm := configMap(t, c, "fotogal-auth")
			cm.Data["FOTOGAL_USR_ADDR"] = cm.Data["FOTOGAL_USER_ADDR"]
			delete(cm.Data, "FOTOGAL_USER_ADDR")
		}, "sets FOTOGAL_USR_ADDR, which auth does not read"},
		{"settings", "a dial left to its default", "base/auth", func(t *testing.T, c *check.Context) {
			delete(configMap(t, c, "fotogal-auth").Data, "FOTOGAL_USER_ADDR")
		}, "does not set FOTOGAL_USER_ADDR: auth would dial its default on 127.0.0.1"},
		{"settings", "another binary's settings", oke, func(t *testing.T, c *check.Context) {
			ctr := container(t, c, "fotogal-gateway")
			ctr.EnvFrom = append(ctr.EnvFrom, corev1.EnvFromSource{ConfigMapRef: &corev1.ConfigMapEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: configMap(t, c, "fotogal-nosql").Name}}})
		}, "sets FOTOGAL_STORE, which gateway does not read"},
		{"settings", "not a FotoGal setting", base, func(t *testing.T, c *check.Context) {
			ctr := container(t, c, "fotogal-image")
			ctr.Env = append(ctr.Env, corev1.EnvVar{Name: "GODEBUG", Value: "x509negativeserial=1"})
		}, "env sets GODEBUG, which is not a FotoGal setting"},
		{"settings", "listening on loopback", base, func(t *testing.T, c *check.Context) {
			configMap(t, c, "fotogal-user").Data["FOTOGAL_GRPC_ADDR"] = "127.0.0.1:9092"
		}, `FOTOGAL_GRPC_ADDR is "127.0.0.1:9092"; it must be ":9092"`},
		{"settings", "content on loopback", base, func(t *testing.T, c *check.Context) {
			configMap(t, c, "fotogal-image").Data["FOTOGAL_CONTENT_ADDR"] = "127.0.0.1:9083"
		}, `FOTOGAL_CONTENT_ADDR is "127.0.0.1:9083"; it must be ":9083", every interface on the declared port "content"`},
		{"settings", "content port turned off", "base/image", func(t *testing.T, c *check.Context) {
			configMap(t, c, "fotogal-image").Data["FOTOGAL_CONTENT_ADDR"] = ""
		}, `FOTOGAL_CONTENT_ADDR is ""; it must be ":9083"`},
		{"settings", "the image's setting in the gateway", oke, func(t *testing.T, c *check.Context) {
			configMap(t, c, "fotogal-gateway").Data["FOTOGAL_CONTENT_ADDR"] = ":9083"
		}, "sets FOTOGAL_CONTENT_ADDR, which gateway does not read"},
		{"settings", "metrics on another port", oke, func(t *testing.T, c *check.Context) {
			configMap(t, c, "fotogal-auth").Data["FOTOGAL_METRICS_ADDR"] = ":9190"
		}, `FOTOGAL_METRICS_ADDR is ":9190"; it must be ":9191"`},
		{"settings", "dialling the wrong port", base, func(t *testing.T, c *check.Context) {
			configMap(t, c, "fotogal-gateway").Data["FOTOGAL_USER_ADDR"] = "fotogal-user:9093"
		}, `FOTOGAL_USER_ADDR="fotogal-user:9093": Service "fotogal-user" has no port 9093 leading to the user pods`},
		{"settings", "gRPC to the content port", local, func(t *testing.T, c *check.Context) {
			configMap(t, c, "fotogal-feed").Data["FOTOGAL_IMAGE_ADDR"] = "fotogal-image:9083"
		}, `FOTOGAL_IMAGE_ADDR="fotogal-image:9083": Service "fotogal-image" has no port 9083 leading to the image pods' grpc port`},
		{"settings", "content URL to the gRPC port", base, func(t *testing.T, c *check.Context) {
			configMap(t, c, "fotogal-gateway").Data["FOTOGAL_IMAGE_CONTENT_URL"] = "http://fotogal-image:9093"
		}, `Service "fotogal-image" has no port 9093 leading to the image pods' content port`},
		{"settings", "content URL without a scheme", oke, func(t *testing.T, c *check.Context) {
			configMap(t, c, "fotogal-gateway").Data["FOTOGAL_IMAGE_CONTENT_URL"] = "fotogal-image:9083"
		}, `FOTOGAL_IMAGE_CONTENT_URL="fotogal-image:9083": not a base URL http://<Service>:<port>`},
		{"settings", "content URL with a path", base, func(t *testing.T, c *check.Context) {
			configMap(t, c, "fotogal-gateway").Data["FOTOGAL_IMAGE_CONTENT_URL"] = "http://fotogal-image:9083/v1"
		}, "not a base URL http://<Service>:<port>"},
		{"settings", "content URL to an address, alone", "base/gateway", func(t *testing.T, c *check.Context) {
			configMap(t, c, "fotogal-gateway").Data["FOTOGAL_IMAGE_CONTENT_URL"] = "http://127.0.0.1:9083"
		}, `FOTOGAL_IMAGE_CONTENT_URL="http://127.0.0.1:9083": dial a Service name, not an address`},
		{"settings", "content URL left to its default", "base/gateway", func(t *testing.T, c *check.Context) {
			delete(configMap(t, c, "fotogal-gateway").Data, "FOTOGAL_IMAGE_CONTENT_URL")
		}, "does not set FOTOGAL_IMAGE_CONTENT_URL: gateway would dial its default on 127.0.0.1"},
		{"settings", "dialling a missing Service", oke, func(t *testing.T, c *check.Context) {
			configMap(t, c, "fotogal-feed").Data["FOTOGAL_IMAGE_ADDR"] = "fotogal-images:9093"
		}, `no Service "fotogal-images" in the build`},
		{"settings", "dialling another service's Service", base, func(t *testing.T, c *check.Context) {
			configMap(t, c, "fotogal-image").Data["FOTOGAL_AUTH_ADDR"] = "fotogal-feed:9094"
		}, `FOTOGAL_AUTH_ADDR="fotogal-feed:9094": Service "fotogal-feed" has no port 9094 leading to the auth pods`},
		{"settings", "dialling an address, alone", "base/user", func(t *testing.T, c *check.Context) {
			configMap(t, c, "fotogal-user").Data["FOTOGAL_AUTH_ADDR"] = "127.0.0.1:9091"
		}, "dial a Service name, not an address"},
		{"settings", "a relative data dir", base, func(t *testing.T, c *check.Context) {
			configMap(t, c, "fotogal-feed").Data["FOTOGAL_DATA_DIR"] = "./var"
		}, `FOTOGAL_DATA_DIR "./var" is not an absolute path with a volume mounted on it`},
		{"settings", "the credential in a ConfigMap", base, func(t *testing.T, c *check.Context) {
			configMap(t, c, "fotogal-auth").Data["FOTOGAL_SERVICE_SECRET"] = "0123456789abcdef0123"
		}, `ConfigMap "fotogal-auth-`},
		{"settings", "the credential file elsewhere", oke, func(t *testing.T, c *check.Context) {
			configMap(t, c, "fotogal-image").Data["FOTOGAL_SERVICE_SECRET_FILE"] = "/run/secrets/fotogal/secret"
		}, `FOTOGAL_SERVICE_SECRET_FILE "/run/secrets/fotogal/secret" is not a key of a Secret volume`},
		{"settings", "no credential", base, func(t *testing.T, c *check.Context) {
			delete(configMap(t, c, "fotogal-user").Data, "FOTOGAL_SERVICE_SECRET_FILE")
		}, `container "user" has no service credential`},
		{"settings", "Workload Identity without the SDK's variables", oke, func(t *testing.T, c *check.Context) {
			delete(configMap(t, c, "fotogal-oci").Data, "OCI_RESOURCE_PRINCIPAL_VERSION")
		}, "FOTOGAL_OCI_AUTH=workload_identity needs OCI_RESOURCE_PRINCIPAL_VERSION=2.2"},
	}
	tested := map[string]bool{}
	for _, tc := range cases {
		tested[tc.rule] = true
	}
	for _, r := range check.Rules {
		if !tested[r.Name] {
			t.Errorf("rule %s has no breach here", r.Name)
		}
	}
	for _, tc := range cases {
		t.Run(tc.rule+"/"+tc.name, func(t *testing.T) {
			t.Parallel()
			c := decoded(t, tc.build)
			rule := ruleNamed(t, tc.rule)
			if errs := rule.Check(c); len(errs) > 0 {
				t.Fatalf("%s fails before the breach: %v", tc.build, errs)
			}
			tc.breach(t, c)
			errs := rule.Check(c)
			for _, err := range errs {
				if strings.Contains(err.Error(), tc.want) {
					return
				}
			}
			t.Errorf("%s after the breach: %v; want an error containing %q", tc.rule, errs, tc.want)
		})
	}
}

// TestContentOverGRPC checks the other way the gateway may serve photo
// bytes: FOTOGAL_IMAGE_CONTENT_URL set but empty streams them over gRPC, and
// the image pods' content port then admits nobody.
func TestContentOverGRPC(t *testing.T) {
	for _, build := range []string{"base", "overlays/oke"} {
		t.Run(build, func(t *testing.T) {
			t.Parallel()
			c := decoded(t, build)
			configMap(t, c, "fotogal-gateway").Data["FOTOGAL_IMAGE_CONTENT_URL"] = ""
			np := networkPolicy(t, c, "fotogal-image")
			np.Spec.Ingress = slices.DeleteFunc(np.Spec.Ingress, func(r networkingv1.NetworkPolicyIngressRule) bool {
				return len(r.Ports) == 1 && r.Ports[0].Port.String() == "content"
			})
			if len(np.Spec.Ingress) != 2 {
				t.Fatalf("NetworkPolicy fotogal-image has %d rules after removing the content port's, want 2", len(np.Spec.Ingress))
			}
			for _, err := range check.Run(c) {
				t.Error(err)
			}
		})
	}
}

func ruleNamed(t *testing.T, name string) check.Rule {
	t.Helper()
	for _, r := range check.Rules {
		if r.Name == name {
			return r
		}
	}
	t.Fatalf("no rule %s", name)
	return check.Rule{}
}
