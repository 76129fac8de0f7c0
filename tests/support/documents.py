"""Shared test data: the answer contract's field sets and a hostile document."""

CONTRACT = {"question", "standalone_question", "answer", "citations", "refused", "mode", "model", "latency_ms"}
CITATION = {"n", "chunk_id", "sources", "article_title", "heading", "start_line", "end_line", "text", "quote"}

# a document may carry raw HTML and Markdown pointing off the machine; none of it may render
HOSTILE = (
    "校园开放日安排\n\n"
    "学校每年五月举办校园开放日，家长可以预约参观课堂教学和社团活动。"
    '<img src="//198.51.100.7/beacon.png" onerror="alert(1)">开放日当天上午九点开始签到，请家长携带身份证件。\n'
    "![校徽](//198.51.100.7/md-image.png) 参观结束后请填写意见反馈表，学校将据此改进办学工作，并在一周内公布反馈结果。\n"
    "更多说明见[开放日须知](//198.51.100.7/link)。家长参观时请遵守课堂纪律，不要打扰正常教学秩序，感谢家长的支持与配合。\n"
)
