// Package check verifies FotoGal's Kubernetes manifests (deploy/k8s): it
// renders each base and overlay with the pinned kustomize, decodes every
// object strictly into the k8s.io/api types, as the API server would with
// strict field validation, and checks the rules that decoding cannot (see
// Rules): probes, resources and securityContext on every pod, references,
// selectors, ports, images, exposure, NetworkPolicies, scaling and settings.
//
// It reads the binaries' configuration sources (config.go and the packages
// they use) to know which FOTOGAL_* variables each binary reads. It does
// not talk to a cluster, and it knows only the kinds FotoGal deploys: any
// other kind in a build is an error until the decoder learns it.
//
// The module lives outside go.work (run its tests with GOWORK=off) so that
// the Kubernetes API modules move nothing in the workspace.
package check

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	sigsjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

// Build runs `kustomize build dir` with the kustomize binary at kustomize
// and returns the rendered stream of objects.
func Build(kustomize, dir string) ([]byte, error) {
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(kustomize, "build", dir)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("kustomize build %s: %w: %s", dir, err, strings.TrimSpace(stderr.String()))
	}
	return stdout.Bytes(), nil
}

// Set holds the objects of one build, by kind, in the order they came.
type Set struct {
	Namespaces      []*corev1.Namespace
	ServiceAccounts []*corev1.ServiceAccount
	ConfigMaps      []*corev1.ConfigMap
	Secrets         []*corev1.Secret
	Services        []*corev1.Service
	PVCs            []*corev1.PersistentVolumeClaim
	Deployments     []*appsv1.Deployment
	PDBs            []*policyv1.PodDisruptionBudget
	HPAs            []*autoscalingv2.HorizontalPodAutoscaler
	NetworkPolicies []*networkingv1.NetworkPolicy
}

// kinds maps the apiVersion and kind of every object FotoGal deploys to the
// slot of Set its typed value goes into.
var kinds = map[string]func(*Set) any{
	"v1/Namespace":                           func(s *Set) any { return add(&s.Namespaces) },
	"v1/ServiceAccount":                      func(s *Set) any { return add(&s.ServiceAccounts) },
	"v1/ConfigMap":                           func(s *Set) any { return add(&s.ConfigMaps) },
	"v1/Secret":                              func(s *Set) any { return add(&s.Secrets) },
	"v1/Service":                             func(s *Set) any { return add(&s.Services) },
	"v1/PersistentVolumeClaim":               func(s *Set) any { return add(&s.PVCs) },
	"apps/v1/Deployment":                     func(s *Set) any { return add(&s.Deployments) },
	"policy/v1/PodDisruptionBudget":          func(s *Set) any { return add(&s.PDBs) },
	"autoscaling/v2/HorizontalPodAutoscaler": func(s *Set) any { return add(&s.HPAs) },
	"networking.k8s.io/v1/NetworkPolicy":     func(s *Set) any { return add(&s.NetworkPolicies) },
}

// add appends a new zero object to list and returns it, to decode into.
func add[T any](list *[]*T) *T {
	v := new(T)
	*list = append(*list, v)
	return v
}

// Decode splits a rendered stream into its objects and decodes each one
// strictly into its k8s.io/api type: a field the type does not have (a
// misspelt or wrongly cased name), a duplicate key, a value of the wrong
// type, or an apiVersion and kind FotoGal does not deploy is an error that
// names the object.
func Decode(stream []byte) (*Set, error) {
	s := &Set{}
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(stream)))
	var errs []error
	for n := 1; ; n++ {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("object %d: %w", n, err)
		}
		if len(bytes.TrimSpace(doc)) == 0 || isOnlyComments(doc) {
			continue
		}
		if err := decodeOne(s, doc); err != nil {
			errs = append(errs, fmt.Errorf("object %d: %w", n, err))
		}
	}
	return s, errors.Join(errs...)
}

func decodeOne(s *Set, doc []byte) error {
	data, err := yaml.YAMLToJSONStrict(doc)
	if err != nil {
		return err
	}
	var head struct {
		metav1.TypeMeta `json:",inline"`
		Metadata        struct {
			Name string `json:"name"`
		} `json:"metadata"`
	}
	if err := sigsjson.UnmarshalCaseSensitivePreserveInts(data, &head); err != nil {
		return err
	}
	id := fmt.Sprintf("%s %q", head.Kind, head.Metadata.Name)
	slot, ok := kinds[head.APIVersion+"/"+head.Kind]
	if !ok {
		return fmt.Errorf("%s: apiVersion %q and kind %q are not among those FotoGal deploys", id, head.APIVersion, head.Kind)
	}
	strict, err := sigsjson.UnmarshalStrict(data, slot(s))
	if err != nil {
		return fmt.Errorf("%s: %w", id, err)
	}
	if len(strict) > 0 {
		return fmt.Errorf("%s: %w", id, errors.Join(strict...))
	}
	return nil
}

func isOnlyComments(doc []byte) bool {
	for line := range strings.Lines(string(doc)) {
		if t := strings.TrimSpace(line); t != "" && !strings.HasPrefix(t, "#") && t != "---" {
			return false
		}
	}
	return true
}
