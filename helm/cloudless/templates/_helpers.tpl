{{/* Names and labels shared by every template of the chart. */}}

{{- define "cloudless.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The release's objects are named after it; a release called "cloudless" is not doubled. */}}
{{- define "cloudless.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else if contains (include "cloudless.name" .) .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name (include "cloudless.name" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{- define "cloudless.selectorLabels" -}}
app.kubernetes.io/name: {{ include "cloudless.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: operator
{{- end }}

{{- define "cloudless.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "cloudless.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: cloudless
{{- end }}

{{- define "cloudless.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "cloudless.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "cloudless.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/* Whether the Prometheus Operator's monitoring.coreos.com/v1 API is served by the cluster. */}}
{{- define "cloudless.hasMonitoringAPI" -}}
{{- if .Capabilities.APIVersions.Has "monitoring.coreos.com/v1" }}true{{- end }}
{{- end }}

{{/* Where the operator reads its kubeconfig when apiServer.url is set (see values.yaml). */}}
{{- define "cloudless.apiAccessDir" -}}/var/run/secrets/cloudless{{- end }}

{{/* Where the operator reads the billing parameters file when epochs are enabled. */}}
{{- define "cloudless.billingDir" -}}/etc/cloudless/billing{{- end }}
