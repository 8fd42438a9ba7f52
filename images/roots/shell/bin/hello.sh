# A script in the baked root tree: run it as /bin/hello.sh, or hello.sh ($PATH is /bin).
echo "hello from $0"
cat /etc/motd && echo "$# arguments: $1 $2"
