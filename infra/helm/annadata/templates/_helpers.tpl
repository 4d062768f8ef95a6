{{/* Names, labels, API versions and the component list every template shares. */}}

{{- define "annadata.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "annadata.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "annadata.tag" -}}
{{- .Values.image.tag | default .Chart.AppVersion -}}
{{- end -}}

{{- define "annadata.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ include "annadata.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ include "annadata.tag" . | trunc 63 | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: annadata
{{- end -}}

{{/* Selector labels of one part of the release; call with (dict "root" $ "part" NAME). */}}
{{- define "annadata.selectorLabels" -}}
app.kubernetes.io/name: {{ include "annadata.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .part }}
{{- end -}}

{{- define "annadata.partLabels" -}}
{{ include "annadata.labels" .root }}
app.kubernetes.io/component: {{ .part }}
{{- end -}}

{{/*
A pod template's labels: no version or chart label, so an upgrade restarts only what it
changes (a new app tag must not restart the databases).
*/}}
{{- define "annadata.podLabels" -}}
{{ include "annadata.selectorLabels" . }}
app.kubernetes.io/part-of: annadata
{{- end -}}

{{/* Selector of every pod in the release. */}}
{{- define "annadata.releaseSelector" -}}
app.kubernetes.io/name: {{ include "annadata.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "annadata.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "annadata.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* An object name for one part: <fullname>-<part>, hyphens for underscores, 63 at most. */}}
{{- define "annadata.partName" -}}
{{- printf "%s-%s" (include "annadata.fullname" .root) (.part | replace "_" "-") | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
The variable prefix Kubernetes gives a Service's address in every pod started after it
(<NAME>_SERVICE_HOST, <NAME>_SERVICE_PORT): how components find each other without cluster DNS.
*/}}
{{- define "annadata.serviceEnvPrefix" -}}
{{- . | upper | replace "-" "_" -}}
{{- end -}}

{{/* API versions by the cluster's version: the chart installs on 1.20 and on current clusters. */}}
{{- define "annadata.pdbApiVersion" -}}
{{- if semverCompare ">=1.21-0" .Capabilities.KubeVersion.Version -}}
policy/v1
{{- else -}}
policy/v1beta1
{{- end -}}
{{- end -}}

{{- define "annadata.hpaApiVersion" -}}
{{- if semverCompare ">=1.23-0" .Capabilities.KubeVersion.Version -}}
autoscaling/v2
{{- else -}}
autoscaling/v2beta2
{{- end -}}
{{- end -}}

{{/*
Every component of services.json with what the templates need, as JSON {"items": [...]}
(a template can only return text). settings = the kind's defaults, each key replaced by the
component's own entry under .Values.components. enabled = not switched off, and its profile
(if any) switched on.
*/}}
{{- define "annadata.components" -}}
{{- $root := . -}}
{{- $registry := .Files.Get "services.json" | fromJson -}}
{{- if not $registry.services -}}
{{- fail "services.json is missing from the chart or has no services: it is the registry, linked as infra/helm/annadata/services.json" -}}
{{- end -}}
{{- $fullname := include "annadata.fullname" . -}}
{{- $tag := include "annadata.tag" . -}}
{{- $items := list -}}
{{- range $service, $entry := $registry.services -}}
{{- range $kind, $spec := $entry.components -}}
{{- $composeName := printf "%s-%s" $service $kind -}}
{{- $settings := deepCopy (index $root.Values.kinds $kind | default dict) -}}
{{- range $key, $value := (index $root.Values.components $composeName | default dict) -}}
{{- $_ := set $settings $key $value -}}
{{- end -}}
{{- $enabled := true -}}
{{- if hasKey $settings "enabled" -}}
{{- $enabled = $settings.enabled -}}
{{- end -}}
{{- $profile := $spec.profile | default "" -}}
{{- if $profile -}}
{{- $switch := index $root.Values $profile | default dict -}}
{{- $enabled = and $enabled (kindIs "map" $switch) ($switch.enabled | default false) -}}
{{- end -}}
{{- $image := $settings.image | default "" -}}
{{- if not $image -}}
{{- if $root.Values.image.registry -}}
{{- $image = printf "%s/annadata-%s:%s" (trimSuffix "/" $root.Values.image.registry) $composeName $tag -}}
{{- else -}}
{{- $image = printf "annadata/%s:%s" $composeName $tag -}}
{{- end -}}
{{- end -}}
{{- $name := include "annadata.partName" (dict "root" $root "part" $composeName) -}}
{{- $autoscaled := and (eq $kind "backend" "frontend") (dig "autoscaling" "enabled" false $settings) -}}
{{- $items = append $items (dict
  "service" $service "kind" $kind "ref" (printf "%s.%s" $service $kind)
  "composeName" $composeName "name" $name "image" $image
  "port" ($spec.port | default 0 | int) "health" ($spec.health | default "")
  "profile" $profile "dependsOn" ($spec.depends_on | default list)
  "mounts" ($spec.mounts | default list) "enabled" $enabled "autoscaled" $autoscaled
  "settings" $settings) -}}
{{- end -}}
{{- end -}}
{{- dict "items" $items | toJson -}}
{{- end -}}

{{/* The host a routed component answers on: compose's Traefik rule with ingress.domain. */}}
{{- define "annadata.routeHost" -}}
{{- $label := .c.service | replace "_" "-" -}}
{{- if eq .c.kind "backend" -}}
{{- printf "%s.api.%s" $label .root.Values.ingress.domain -}}
{{- else -}}
{{- printf "%s.%s" $label .root.Values.ingress.domain -}}
{{- end -}}
{{- end -}}

{{/* The container security context compose's x-app gives every container we build. */}}
{{- define "annadata.containerSecurity" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
capabilities:
  drop: [ALL]
{{- end -}}

{{- define "annadata.podSecurity" -}}
runAsNonRoot: true
runAsUser: {{ .uid }}
runAsGroup: {{ .gid | default .uid }}
{{- with .fsGroup }}
fsGroup: {{ . }}
{{- end }}
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* Scheduling and pull settings every pod shares. */}}
{{- define "annadata.podCommon" -}}
serviceAccountName: {{ include "annadata.serviceAccountName" . }}
# No pod talks to the Kubernetes API.
automountServiceAccountToken: false
# Components find Postgres, Redis and their backend through these variables (no cluster DNS needed).
enableServiceLinks: true
{{- with .Values.image.pullSecrets }}
imagePullSecrets:
{{- range . }}
  - name: {{ . }}
{{- end }}
{{- end }}
{{- with .Values.nodeSelector }}
nodeSelector: {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations: {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.affinity }}
affinity: {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}
