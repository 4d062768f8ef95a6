{{/* Pieces of a component's pod; each is called with (dict "root" $ "c" COMPONENT). */}}

{{/*
A Python component's environment, as compose's: x-backend-env (.Values.config, GIT_SHA), then
per dependency in services.json what compose gives it: Postgres as parts (msp_mitra builds and
quotes the URL itself) or a DATABASE_URL from a Secret; REDIS_URL from the in-chart Service's
address or from a Secret, and REDIS_PASSWORD (kept out of the URL, as in compose) from a Secret
either way.
*/}}
{{- define "annadata.env" -}}
{{- $root := .root -}}
{{- $c := .c -}}
{{- $fullname := include "annadata.fullname" $root -}}
{{- range $name, $value := $root.Values.config }}
- name: {{ $name }}
  value: {{ $value | quote }}
{{- end }}
- name: GIT_SHA
  value: {{ include "annadata.tag" $root | quote }}
{{- if has "postgres" $c.dependsOn }}
{{- if eq $root.Values.postgres.mode "chart" }}
{{- $pg := include "annadata.serviceEnvPrefix" (printf "%s-postgres" $fullname) }}
- name: POSTGRES_HOST
  value: $({{ $pg }}_SERVICE_HOST)
- name: POSTGRES_USER
  value: {{ $root.Values.postgres.chart.user | quote }}
- name: POSTGRES_DB
  value: {{ $root.Values.postgres.chart.database | quote }}
- name: POSTGRES_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ $root.Values.postgres.chart.passwordSecret }}
      key: {{ $root.Values.postgres.chart.passwordKey }}
{{- else }}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ $root.Values.postgres.external.secretName }}
      key: {{ $root.Values.postgres.external.urlKey }}
{{- end }}
{{- end }}
{{- if has "redis" $c.dependsOn }}
{{- if eq $root.Values.redis.mode "chart" }}
{{- $redis := include "annadata.serviceEnvPrefix" (printf "%s-redis" $fullname) }}
- name: REDIS_URL
  value: redis://$({{ $redis }}_SERVICE_HOST):$({{ $redis }}_SERVICE_PORT)/0
{{- else }}
- name: REDIS_URL
  valueFrom:
    secretKeyRef:
      name: {{ $root.Values.redis.external.secretName }}
      key: {{ $root.Values.redis.external.urlKey }}
{{- end }}
- name: REDIS_PASSWORD
  valueFrom: {{- include "annadata.redisPasswordRef" $root | nindent 4 }}
{{- end }}
{{- range $name, $value := ($c.settings.env | default dict) }}
- name: {{ $name }}
  value: {{ $value | quote }}
{{- end }}
{{- end -}}

{{/*
Where Redis's password is: the in-chart Redis and the components that use it read the same key
(an existing Secret either way, never a value).
*/}}
{{- define "annadata.redisPasswordRef" -}}
{{- $r := .Values.redis -}}
secretKeyRef:
{{- if eq $r.mode "chart" }}
  name: {{ $r.chart.passwordSecret }}
  key: {{ $r.chart.passwordKey }}
{{- else }}
  name: {{ $r.external.secretName }}
  key: {{ $r.external.passwordKey }}
{{- end }}
{{- end -}}

{{/* How the component is probed: its registry health route, or the kind's command. */}}
{{- define "annadata.probeHandler" -}}
{{- if .c.port }}
httpGet:
  path: {{ .c.health | default "/" }}
  port: http
{{- else if .c.settings.probeCommand }}
exec:
  command: {{- toYaml .c.settings.probeCommand | nindent 4 }}
{{- else }}
{{- fail (printf "%s has no port and no probeCommand: set kinds.%s.probeCommand or components.%s.probeCommand" .c.ref .c.kind .c.composeName) }}
{{- end }}
{{- end -}}

{{- define "annadata.probes" -}}
{{- $p := .root.Values.probes -}}
{{- $handler := include "annadata.probeHandler" . | trim -}}
startupProbe:
  {{- $handler | nindent 2 }}
  periodSeconds: {{ $p.startupPeriodSeconds }}
  timeoutSeconds: {{ $p.timeoutSeconds }}
  failureThreshold: {{ div $p.startPeriodSeconds $p.startupPeriodSeconds }}
readinessProbe:
  {{- $handler | nindent 2 }}
  periodSeconds: {{ $p.readinessPeriodSeconds }}
  timeoutSeconds: {{ $p.timeoutSeconds }}
  failureThreshold: {{ $p.failureThreshold }}
livenessProbe:
  {{- $handler | nindent 2 }}
  periodSeconds: {{ $p.periodSeconds }}
  timeoutSeconds: {{ $p.timeoutSeconds }}
  failureThreshold: {{ $p.failureThreshold }}
{{- end -}}

{{/* Read-only mounts of data/processed and the models at /app/<path>, as compose's. */}}
{{- define "annadata.dataMounts" -}}
{{- range .c.mounts }}
- name: data
  mountPath: /app/{{ . }}
  subPath: {{ . }}
  readOnly: true
{{- end }}
{{- end -}}

{{- define "annadata.dataVolume" -}}
{{- if .c.mounts }}
{{- if eq .root.Values.data.source "pvc" }}
- name: data
  persistentVolumeClaim:
    claimName: {{ .root.Values.data.pvc.claimName }}
    readOnly: true
{{- else if eq .root.Values.data.source "image" }}
- name: data
  emptyDir:
    sizeLimit: {{ .root.Values.data.image.sizeLimit }}
{{- else }}
{{- fail (printf "data.source is %q: use pvc or image" .root.Values.data.source) }}
{{- end }}
{{- end }}
{{- end -}}

{{- define "annadata.dataImage" -}}
{{- $d := .Values.data.image -}}
{{- $tag := $d.tag | default (include "annadata.tag" .) -}}
{{- if $d.repository -}}
{{- printf "%s:%s" $d.repository $tag -}}
{{- else if .Values.image.registry -}}
{{- printf "%s/annadata-data:%s" (trimSuffix "/" .Values.image.registry) $tag -}}
{{- else -}}
{{- printf "annadata/data:%s" $tag -}}
{{- end -}}
{{- end -}}

{{/* Small, fixed resources for the init containers (they copy or rewrite a few files). */}}
{{- define "annadata.initResources" -}}
limits: {cpu: 100m, memory: 32Mi}
requests: {cpu: 10m, memory: 16Mi}
{{- end -}}

{{/*
Init containers. Image data: copy each mount's files out of the data image. Frontends: the
image's nginx config points /api/ at compose's service name through Docker's DNS; rewrite
that line to the backend Service's address from the variables Kubernetes sets.
*/}}
{{- define "annadata.initContainers" -}}
{{- $root := .root -}}
{{- $c := .c -}}
{{- if and $c.mounts (eq $root.Values.data.source "image") }}
- name: data
  image: {{ include "annadata.dataImage" $root }}
  imagePullPolicy: {{ $root.Values.image.pullPolicy }}
  workingDir: {{ $root.Values.data.image.root }}
  command: [cp, -R, --parents, {{ join ", " $c.mounts }}, /data/]
  securityContext: {{- include "annadata.containerSecurity" $root | nindent 4 }}
  resources: {{- include "annadata.initResources" $root | nindent 4 }}
  volumeMounts:
    - name: data
      mountPath: /data
{{- end }}
{{- $dep := include "annadata.frontendBackend" $c }}
{{- if and (eq $c.kind "frontend") $dep }}
{{- $backend := include "annadata.partName" (dict "root" $root "part" (replace "." "-" $dep)) }}
{{- $prefix := include "annadata.serviceEnvPrefix" $backend }}
- name: nginx-config
  image: {{ $c.image }}
  imagePullPolicy: {{ $root.Values.image.pullPolicy }}
  command:
    - sed
    - -n
    - -e
    - /resolver 127.0.0.11/d
    - -e
    - s|set $api_upstream http://[^;]*;|set $api_upstream http://$(API_UPSTREAM);|
    - -e
    - w /etc/annadata-nginx/default.conf
    - /etc/nginx/conf.d/default.conf
  env:
    - name: API_UPSTREAM
      value: $({{ $prefix }}_SERVICE_HOST):$({{ $prefix }}_SERVICE_PORT)
  securityContext: {{- include "annadata.containerSecurity" $root | nindent 4 }}
  resources: {{- include "annadata.initResources" $root | nindent 4 }}
  volumeMounts:
    - name: nginx-conf
      mountPath: /etc/annadata-nginx
{{- end }}
{{- end -}}

{{/* The frontend's backend component (its first .backend dependency), or "". */}}
{{- define "annadata.frontendBackend" -}}
{{- range .dependsOn -}}
{{- if hasSuffix ".backend" . -}}{{ . }}{{- break -}}{{- end -}}
{{- end -}}
{{- end -}}
