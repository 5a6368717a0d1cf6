// The static pod that the conformance tests and tools/bench/real-kubelet.js run on real kubelets: busybox httpd from
// nx-kubelet's own workload image (side-loaded into the node, never pulled), answering `body` on port 8080.
function httpdManifest(image, name = 'httpd', body = 'nx-kubelet-conformance') {
  return `# Static pod: busybox httpd from nx-kubelet's own workload image (side-loaded into the node, never pulled).
apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  namespace: default
spec:
  containers:
    - name: httpd
      image: ${image}
      imagePullPolicy: Never
      command: ["/bin/sh", "-c", "mkdir -p /www && echo ${body} > /www/index.html && exec httpd -f -v -p 8080 -h /www"]
      ports:
        - containerPort: 8080
`;
}

module.exports = { httpdManifest };
